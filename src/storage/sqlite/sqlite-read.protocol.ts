/** Messages between the repository and its read workers (sqlite-read.worker.ts). */

export type ReadMode = 'all' | 'get' | 'pluck';

export interface ReadStatement {
  sql: string;
  params: Record<string, unknown>;
  mode: ReadMode;
}

export interface ReadWorkerData {
  path: string;
  busyTimeoutMs: number;
  /** Read-side pragmas in force on the main connection (cache_size, mmap_size, temp_store). */
  pragmas: { name: string; value: string }[];
}

/** close: the worker closes its connection and ends by itself (terminating a thread while it loads the native driver aborts the process). */
export type ReadRequest = { type: 'read'; id: number; statements: ReadStatement[] } | { type: 'reopen' } | { type: 'close' };

export type ReadReply = { id: number; ok: true; results: unknown[] } | { id: number; ok: false; message: string; code: string | null };
