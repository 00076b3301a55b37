import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteDatabase } from './sqlite-database.js';

/** The rows the database file itself holds, without its write-ahead log: what checkpoints have copied (-1: copied while a checkpoint wrote). */
function rowsInMainFile(path: string, dir: string): number {
  const copy = join(dir, `copy-${Math.random().toString(36).slice(2)}.db`);
  copyFileSync(path, copy);
  let db: Database.Database | null = null;
  try {
    db = new Database(copy, { readonly: true });
    return (db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 't'").pluck().get() as number) === 0
      ? 0
      : (db.prepare('SELECT count(*) FROM t').pluck().get() as number);
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CORRUPT') return -1;
    throw error;
  } finally {
    db?.close();
    rmSync(copy, { force: true });
  }
}

describe('writes and the disk: checkpoints off the event loop, bookkeeping unsynced', () => {
  let dir: string;
  let path: string;
  let db: SqliteDatabase;
  const warnings: string[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'checkpoint-test-'));
    path = join(dir, 'memory.db');
    db = SqliteDatabase.open({ path, pragmas: [], busyBudgetMs: 5000, embeddingModel: 'test-model', embeddingDimension: 8, warn: (m) => warnings.push(m) });
  });

  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the server's connection never checkpoints inside a commit; the checkpoint thread copies its writes into the file", async () => {
    assert.equal(await db.run(() => db.pragma('wal_autocheckpoint')), 0);
    await db.write(() => db.exec('CREATE TABLE t (x TEXT)'));
    // Far more than SQLite's automatic threshold (1,000 pages), in many commits.
    const page = 'x'.repeat(4000);
    for (let i = 0; i < 30; i++) {
      await db.write(() => {
        for (let j = 0; j < 100; j++) db.statement('INSERT INTO t (x) VALUES (?)').run(page);
      });
    }
    // The last write's checkpoint may wait CHECKPOINT_EVERY_MS behind an earlier one.
    for (let waited = 0; rowsInMainFile(path, dir) < 3000; waited += 50) {
      assert.ok(waited < 60_000, `the file holds ${rowsInMainFile(path, dir)} of 3000 rows after a minute`);
      await sleep(50);
    }
    assert.deepEqual(warnings, []);
  });

  it('bookkeeping commits without a disk sync; every other write, and the connection after it, stays synced', async () => {
    const synchronous = (): number => db.pragma('synchronous') as number;
    assert.equal(await db.write(synchronous, 'unsynced'), 1);
    assert.equal(await db.run(synchronous), 2);
    assert.equal(await db.write(synchronous), 2);
    await assert.rejects(
      db.write(() => {
        throw new Error('rolled back');
      }, 'unsynced'),
      /rolled back/,
    );
    assert.equal(await db.run(synchronous), 2);
  });

  it('close waits for a checkpoint in flight and leaves the file whole', async () => {
    await db.write(() => db.statement('INSERT INTO t (x) VALUES (?)').run('last'));
    await db.close();
    assert.equal(rowsInMainFile(path, dir), 3001);
    db = SqliteDatabase.open({ path, pragmas: [], busyBudgetMs: 5000, embeddingModel: 'test-model', embeddingDimension: 8 });
  });

  it("the operator's wal_autocheckpoint still wins", async () => {
    const other = SqliteDatabase.open({
      path: join(dir, 'other.db'),
      pragmas: [{ name: 'wal_autocheckpoint', value: '500' }],
      busyBudgetMs: 5000,
      embeddingModel: 'test-model',
      embeddingDimension: 8,
    });
    try {
      assert.equal(await other.run(() => other.pragma('wal_autocheckpoint')), 500);
    } finally {
      await other.close();
    }
  });
});
