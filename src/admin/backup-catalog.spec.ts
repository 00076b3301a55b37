import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BackupNotFoundError, BackupVerificationError, InvalidInputError } from '../common/domain-errors.js';
import { BackupCatalog, type BackupManifest } from './backup-catalog.js';

describe('BackupCatalog', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalog-'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  function add(catalog: BackupCatalog, at: string, verified = true): BackupManifest {
    const id = catalog.reserveId(new Date(at));
    writeFileSync(catalog.partialFileOf(id), 'x');
    const manifest: BackupManifest = {
      backup_id: id,
      file: catalog.fileOf(id),
      size_bytes: 1,
      memories: 0,
      created_at: new Date(at).toISOString(),
      duration_ms: 1,
      verified,
      sha256: '0'.repeat(64),
      trigger: 'manual',
      embedding_model: 'm',
      schema_version: 1,
    };
    catalog.save(manifest);
    return manifest;
  }

  it('names backups by UTC second, with a suffix when a second is taken', () => {
    const catalog = new BackupCatalog(join(dir, 'ids'));
    const first = add(catalog, '2026-11-25T15:06:07Z');
    const second = add(catalog, '2026-11-25T15:06:07Z');
    assert.equal(first.backup_id, 'backup-20261125-150607');
    assert.equal(second.backup_id, 'backup-20261125-150607-2');
  });

  it('rejects ids that could escape the directory', () => {
    const catalog = new BackupCatalog(join(dir, 'safe'));
    for (const bad of ['../x', 'backup-20261125-150607/../../etc/passwd', '/etc/passwd', 'backup-2026']) {
      assert.throws(() => catalog.fileOf(bad), InvalidInputError);
    }
    assert.throws(() => catalog.get('backup-20000101-000000'), BackupNotFoundError);
  });

  it('prunes to the newest N but never removes the last verified backup', () => {
    const catalog = new BackupCatalog(join(dir, 'prune'));
    const oldVerified = add(catalog, '2026-01-01T00:00:00Z', true);
    const unverified = add(catalog, '2026-01-02T00:00:00Z', false);
    add(catalog, '2026-01-03T00:00:00Z', false);
    assert.deepEqual(catalog.prune(2), [], 'the only verified backup is kept beyond the retention count');
    assert.equal(catalog.list().length, 3);
    add(catalog, '2026-01-04T00:00:00Z', true);
    assert.deepEqual(catalog.prune(2), [unverified.backup_id, oldVerified.backup_id]);
    assert.equal(catalog.list().length, 2);
  });

  it('never prunes a backup in use (the one a restore reads)', () => {
    const catalog = new BackupCatalog(join(dir, 'in-use'));
    const oldest = add(catalog, '2026-02-01T00:00:00Z');
    add(catalog, '2026-02-02T00:00:00Z');
    add(catalog, '2026-02-03T00:00:00Z');
    assert.deepEqual(catalog.prune(1, [oldest.backup_id]).length, 1);
    assert.ok(catalog.list().some((m) => m.backup_id === oldest.backup_id));
  });

  it('lists a backup whose manifest is unreadable with its problem; the others stay usable', () => {
    const catalog = new BackupCatalog(join(dir, 'bad-manifest'));
    const good = add(catalog, '2026-03-01T00:00:00Z');
    const bad = add(catalog, '2026-03-02T00:00:00Z');
    const wrongShape = add(catalog, '2026-03-03T00:00:00Z');
    writeFileSync(join(catalog.dir, `${bad.backup_id}.json`), '{ not json');
    writeFileSync(join(catalog.dir, `${wrongShape.backup_id}.json`), '[1, 2]');
    const listed = catalog.list();
    assert.equal(listed.length, 3);
    assert.match(listed.find((m) => m.backup_id === bad.backup_id)!.problem!, /unreadable/);
    assert.equal(listed.find((m) => m.backup_id === bad.backup_id)!.verified, false);
    assert.match(listed.find((m) => m.backup_id === wrongShape.backup_id)!.problem!, /not a JSON object/);
    assert.equal(listed.find((m) => m.backup_id === good.backup_id)!.problem, undefined);
    assert.throws(() => catalog.get(bad.backup_id), BackupVerificationError);
    assert.equal(catalog.prune(1).length, 1, 'pruning keeps working');
    assert.ok(
      catalog.list().some((m) => m.backup_id === good.backup_id),
      'the newest verified backup is kept',
    );
  });

  it('removes files left by killed backups once nobody has written them for a while', () => {
    const catalog = new BackupCatalog(join(dir, 'abandoned'));
    const id = catalog.reserveId(new Date('2026-04-01T00:00:00Z'));
    // Written by another process that runs (this test's parent).
    const partial = join(catalog.dir, `${id}.${process.ppid}.db.partial`);
    writeFileSync(partial, 'half a backup');
    writeFileSync(join(catalog.dir, `${id}.json.tmp`), '{');
    assert.deepEqual(catalog.removeAbandoned(Date.now()), [], 'a file being written right now is left alone');
    assert.equal(catalog.removeAbandoned(Date.now() + 11 * 60_000).length, 2);
    assert.equal(existsSync(partial), false);
  });

  it('removes a partial file of a process that is gone at once, and never lists one', async () => {
    const catalog = new BackupCatalog(join(dir, 'killed'));
    const id = catalog.reserveId(new Date('2026-04-02T00:00:00Z'));
    // A process that has ended: its id is free (a child that exited).
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await once(child, 'exit');
    const killed = join(catalog.dir, `${id}.${pid}.db.partial`);
    writeFileSync(killed, 'half a backup');
    // The parent of this test runs: its file stays until it is old.
    const running = join(catalog.dir, `${id}.${process.ppid}.db.partial`);
    writeFileSync(running, 'being written');
    assert.notEqual(catalog.reserveId(new Date('2026-04-02T00:00:00Z')), id, 'an id being written is not handed out again');
    assert.deepEqual(catalog.list(), []);
    assert.deepEqual(catalog.removeAbandoned(Date.now()), [`${id}.${pid}.db.partial`]);
    assert.equal(existsSync(running), true, "a running process's file stays");
  });
});
