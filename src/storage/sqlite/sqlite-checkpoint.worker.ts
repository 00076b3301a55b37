import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointReply, CheckpointRequest } from './sqlite-checkpointer.js';

/**
 * Checkpoints the database's write-ahead log on this thread: each time with a connection of its
 * own, opened for it (a file another process put at the path is the one checkpointed).
 */
const path = (workerData as { path: string }).path;
const port = parentPort!;

port.on('message', (request: CheckpointRequest) => {
  if (request.type === 'close') {
    port.close();
    return;
  }
  let reply: CheckpointReply;
  try {
    const db = new Database(path, { fileMustExist: true });
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
      reply = { ok: true };
    } finally {
      db.close();
    }
  } catch (error) {
    // Another process's checkpoint holds the log right now: it does the work.
    const code = error instanceof Database.SqliteError ? error.code : '';
    reply = /^SQLITE_(BUSY|LOCKED)/.test(code) ? { ok: true } : { ok: false, message: (error as Error).message };
  }
  port.postMessage(reply);
});
