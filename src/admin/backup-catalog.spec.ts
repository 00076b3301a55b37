import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BackupNotFoundError, InvalidInputError } from '../common/domain-errors.js';
import { BackupCatalog, type BackupManifest } from './backup-catalog.js';

describe('BackupCatalog', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalog-'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  function add(catalog: BackupCatalog, at: string, verified = true): BackupManifest {
    const id = catalog.reserveId(new Date(at));
    writeFileSync(catalog.fileOf(id), 'x');
    const manifest: BackupManifest = {
      backup_id: id, file: catalog.fileOf(id), size_bytes: 1, memories: 0, created_at: new Date(at).toISOString(), duration_ms: 1,
      verified, sha256: '0'.repeat(64), trigger: 'manual', embedding_model: 'm', schema_version: 1,
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
});
