/** Messages between the database (sqlite-database.ts) and its read workers (sqlite-read.worker.ts), and how a read statement runs on either side. */
import type Database from 'better-sqlite3';

export type ReadMode = 'all' | 'get' | 'pluck';

export interface ReadStatement {
  sql: string;
  params: Record<string, unknown>;
  mode: ReadMode;
}

export interface ReadWorkerData {
  path: string;
  busyTimeoutMs: number;
  /** Read-side pragmas for a read worker's connection (cache_size, mmap_size, temp_store: readPragmas). */
  pragmas: { name: string; value: string }[];
}

/** close: the worker closes its connection and ends by itself (terminating a thread while it loads the native driver aborts the process). */
export type ReadRequest = { type: 'read'; id: number; statements: ReadStatement[] } | { type: 'reopen' } | { type: 'close' };

export type ReadReply = { id: number; ok: true; results: unknown[] } | { id: number; ok: false; message: string; code: string | null };

/** Blobs arrive as Uint8Array after a message copy; the driver binds Buffers. */
function bindable(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] = value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
  }
  return out;
}

/** The statement for `sql`, prepared once per connection (`prepared` is that connection's cache, by SQL text). */
export function preparedStatement(db: Database.Database, prepared: Map<string, Database.Statement>, sql: string): Database.Statement {
  let statement = prepared.get(sql);
  if (statement === undefined) prepared.set(sql, (statement = db.prepare(sql)));
  return statement;
}

/** Runs one read statement, prepared once per connection. */
export function executeRead(db: Database.Database, prepared: Map<string, Database.Statement>, { sql, params, mode }: ReadStatement): unknown {
  const statement = preparedStatement(db, prepared, sql);
  const bound = bindable(params);
  statement.pluck(mode === 'pluck');
  return mode === 'all' ? statement.all(bound) : statement.get(bound);
}
