import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import * as sqliteVec from 'sqlite-vec';
import { executeRead, type ReadReply, type ReadRequest, type ReadWorkerData } from './sqlite-read.protocol.js';
import { lowerThisThreadPriority } from '../../common/thread-priority.js';

/**
 * A read-only connection on its own thread: searches and scans run here, so the event loop keeps
 * serving while they do. Statements are prepared once per SQL text; every request runs in one read
 * transaction (one snapshot for, e.g., a page and its count).
 */
const data = workerData as ReadWorkerData;
const port = parentPort!;
// Scans are compute: on a saturated machine the event loop gets the CPU first (as the model threads do).
lowerThisThreadPriority();

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
    const results = db.transaction(() => request.statements.map((statement) => executeRead(db, statements, statement)))();
    reply = { id: request.id, ok: true, results };
  } catch (error) {
    const code = error instanceof Database.SqliteError ? error.code : null;
    reply = { id: request.id, ok: false, message: (error as Error).message, code };
  }
  port.postMessage(reply);
});
