import Database from 'better-sqlite3';
import { copyFileSync, rmSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as sqliteVec from 'sqlite-vec';
import { integrityProblems, makePrivate } from './sqlite-connection.js';
import { restoreSourcePath, type SqliteJob, type SqliteJobReply, type SqliteJobResult } from './sqlite-jobs.js';
import { applyMigrations, SCHEMA_VERSION, vectorTableSql } from './sqlite-migrations.js';
import { PASSAGE_KEY_BASE } from './sqlite-rows.js';

/** Test-only: dies at the named step, as a power cut or kill -9 would. */
function faultPoint(configured: string | null, name: string): void {
  if (configured === name) process.kill(process.pid, 'SIGKILL');
}

/** A backup of an older schema is migrated on a private copy first; a newer one is refused. */
function sourceAtCurrentSchema(job: Extract<SqliteJob, { kind: 'restore' }>): { file: string; temporary: boolean } {
  const probe = new Database(job.source, { readonly: true, fileMustExist: true });
  let version: number;
  try {
    version = Number(probe.pragma('user_version', { simple: true }));
  } finally {
    probe.close();
  }
  if (version > SCHEMA_VERSION) {
    throw Object.assign(new Error(`the backup has schema version ${version}, newer than this server understands (${SCHEMA_VERSION})`), {
      code: 'BACKUP_UNUSABLE',
    });
  }
  if (version === SCHEMA_VERSION) return { file: job.source, temporary: false };
  const copy = restoreSourcePath(job.path, process.pid);
  copyFileSync(job.source, copy);
  makePrivate(copy);
  const db = new Database(copy);
  try {
    sqliteVec.load(db);
    applyMigrations(db, copy);
  } finally {
    db.close();
  }
  return { file: copy, temporary: true };
}

function restore(job: Extract<SqliteJob, { kind: 'restore' }>): SqliteJobResult {
  const source = sourceAtCurrentSchema(job);
  const db = new Database(job.path, { fileMustExist: true });
  try {
    sqliteVec.load(db);
    db.pragma(`busy_timeout = ${Math.trunc(job.busyBudgetMs)}`);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    faultPoint(job.faultPoint, 'restore:before-transaction');
    db.prepare('ATTACH DATABASE ? AS restore_source').run(source.file);
    try {
      db.transaction(() => {
        db.exec('DELETE FROM memory_tags');
        db.exec('DELETE FROM memory_passages');
        db.exec('DROP TABLE memory_embeddings');
        db.exec(vectorTableSql(job.dimension));
        db.exec('DELETE FROM memories');
        faultPoint(job.faultPoint, 'restore:after-delete');
        // Every column (the source is at this schema): a memory keeps its space, versions, expiry and use.
        const columns =
          'id, content_hash, space, content, tags, memory_type, metadata, created_at, updated_at, superseded_by, supersedes, expires_at, access_count, last_accessed_at';
        db.exec(`INSERT INTO memories (${columns}) SELECT ${columns} FROM restore_source.memories`);
        db.exec('INSERT INTO memory_tags (tag, memory_id) SELECT tag, memory_id FROM restore_source.memory_tags');
        db.exec(
          'INSERT INTO memory_passages (id, memory_id, char_start, char_end) SELECT id, memory_id, char_start, char_end FROM restore_source.memory_passages',
        );
        db.exec('INSERT INTO memory_embeddings (rowid, embedding) SELECT rowid, embedding FROM restore_source.memory_embeddings');
        // An unfinished re-embed's vectors belonged to the memories replaced here.
        db.exec('DROP TABLE IF EXISTS reembed_vectors');
        db.exec('DROP TABLE IF EXISTS reembed_passages');
        db.exec("DELETE FROM service_meta WHERE key IN ('reembed_model', 'reembed_dimension')");
        faultPoint(job.faultPoint, 'restore:before-commit');
        db.prepare('INSERT INTO changes (kind, content_hash, payload, created_at) VALUES (?, NULL, ?, ?)').run(
          job.change.kind,
          job.change.payload,
          Date.now() / 1000,
        );
      }).immediate();
    } finally {
      db.exec('DETACH DATABASE restore_source');
    }
    faultPoint(job.faultPoint, 'restore:after-commit');
    return { problems: integrityProblems(db, false) };
  } finally {
    db.close();
    if (source.temporary) rmSync(source.file, { force: true });
  }
}

/**
 * Moves the database to the re-embedded vectors in ONE transaction: the vector table is rebuilt
 * from the side table at the new dimension and the model recorded, or (when a memory still lacks
 * its new vector) nothing changes.
 */
function switchModel(job: Extract<SqliteJob, { kind: 'switch-model' }>): SqliteJobResult {
  const db = new Database(job.path, { fileMustExist: true });
  try {
    sqliteVec.load(db);
    db.pragma(`busy_timeout = ${Math.trunc(job.busyBudgetMs)}`);
    db.pragma('synchronous = FULL');
    return db
      .transaction((): SqliteJobResult => {
        db.exec('DELETE FROM reembed_vectors WHERE memory_id NOT IN (SELECT id FROM memories)');
        db.exec('DELETE FROM reembed_passages WHERE memory_id NOT IN (SELECT id FROM memories)');
        const pending = db
          .prepare('SELECT COUNT(*) FROM memories m WHERE NOT EXISTS (SELECT 1 FROM reembed_vectors r WHERE r.memory_id = m.id)')
          .pluck()
          .get() as number;
        if (pending > 0) return { problems: [], pending };
        db.exec('DROP TABLE memory_embeddings');
        db.exec(vectorTableSql(job.dimension));
        // Counted by the copy itself (vec0 inserts count as changes), not by a second pass over the table.
        const moved = db.prepare('INSERT INTO memory_embeddings (rowid, embedding) SELECT memory_id, embedding FROM reembed_vectors').run().changes;
        // The passages as the new run cut them, each vector under its passage's key.
        db.exec('DELETE FROM memory_passages');
        db.exec('INSERT INTO memory_passages (id, memory_id, char_start, char_end) SELECT id, memory_id, char_start, char_end FROM reembed_passages');
        db.exec(`INSERT INTO memory_embeddings (rowid, embedding) SELECT ${PASSAGE_KEY_BASE} + id, embedding FROM reembed_passages`);
        db.exec('DROP TABLE reembed_vectors');
        db.exec('DROP TABLE reembed_passages');
        const meta = db.prepare('INSERT OR REPLACE INTO service_meta (key, value) VALUES (?, ?)');
        meta.run('embedding_model', job.model);
        meta.run('embedding_dimension', String(job.dimension));
        db.exec("DELETE FROM service_meta WHERE key IN ('reembed_model', 'reembed_dimension')");
        db.prepare('INSERT INTO changes (kind, content_hash, payload, created_at) VALUES (?, NULL, ?, ?)').run(
          job.change.kind,
          job.change.payload,
          Date.now() / 1000,
        );
        return { problems: [], pending: 0, moved };
      })
      .immediate();
  } finally {
    db.close();
  }
}

function integrity(job: Extract<SqliteJob, { kind: 'integrity' }>): SqliteJobResult {
  // Writable for the keyword index's check, which writes nothing.
  const db = new Database(job.path, { fileMustExist: true });
  try {
    sqliteVec.load(db);
    db.pragma('busy_timeout = 5000');
    return { problems: integrityProblems(db, job.full) };
  } finally {
    db.close();
  }
}

const job = workerData as SqliteJob;
let reply: SqliteJobReply;
try {
  reply = { ok: true, result: job.kind === 'restore' ? restore(job) : job.kind === 'switch-model' ? switchModel(job) : integrity(job) };
} catch (error) {
  reply = { ok: false, message: (error as Error).message, code: (error as { code?: string }).code ?? null };
}
parentPort!.postMessage(reply);
