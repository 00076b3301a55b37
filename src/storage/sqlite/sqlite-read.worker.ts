import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import * as sqliteVec from 'sqlite-vec';
import type { ReadReply, ReadRequest, ReadStatement, ReadWorkerData } from './sqlite-read.protocol.js';

/**
 * A read-only connection on its own thread: searches and scans run here, so the event loop keeps
 * serving while they do. Statements are prepared once per SQL text; every request runs in one read
 * transaction (one snapshot for, e.g., a page and its count).
 */
const data = workerData as ReadWorkerData;
const port = parentPort!;

function open(): Database.Database {
  const db = new Database(data.path, { readonly: true, fileMustExist: true });
  sqliteVec.load(db);
  db.pragma(`busy_timeout = ${Math.trunc(data.busyTimeoutMs)}`);
  // Names and values were validated (parseSqlitePragmas or the defaults) before they came here.
  for (const { name, value } of data.pragmas) db.pragma(`${name} = ${value}`);
  return db;
}

let db = open();
const statements = new Map<string, Database.Statement>();

/** Blobs arrive as Uint8Array after the message copy; the driver binds Buffers. */
function bindable(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] = value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
  }
  return out;
}

function execute({ sql, params, mode }: ReadStatement): unknown {
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  const bound = bindable(params);
  statement.pluck(mode === 'pluck');
  return mode === 'all' ? statement.all(bound) : statement.get(bound);
}

port.on('message', (request: ReadRequest) => {
  if (request.type === 'close') {
    statements.clear();
    db.close();
    port.close();
    return;
  }
  if (request.type === 'reopen') {
    statements.clear();
    db.close();
    db = open();
    return;
  }
  let reply: ReadReply;
  try {
    const results = db.transaction(() => request.statements.map(execute))();
    reply = { id: request.id, ok: true, results };
  } catch (error) {
    const code = error instanceof Database.SqliteError ? error.code : null;
    reply = { id: request.id, ok: false, message: (error as Error).message, code };
  }
  port.postMessage(reply);
});
