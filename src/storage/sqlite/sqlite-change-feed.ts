import { type Change, type ChangePayload, PASSAGES_ADDED } from '../change-log.js';
import type { SqliteDatabase } from './sqlite-database.js';

/** Every process on the file prunes the change log after this many of its own appends. */
const PRUNE_EVERY_APPENDS = 100;

export const DEFAULT_CHANGE_LOG = { maxRows: 10_000, maxBytes: 16 * 1_048_576 };

const SQL = {
  append: 'INSERT INTO changes (kind, content_hash, memory_id, payload, created_at) VALUES (@kind, @contentHash, @memoryId, @payload, @createdAt)',
  // What the event log publishes: every change but the vector index's own.
  after: `SELECT id, kind, payload FROM changes WHERE id > ? AND kind <> '${PASSAGES_ADDED}' ORDER BY id LIMIT ?`,
  kindsAfter: 'SELECT id, kind, memory_id AS memoryId FROM changes WHERE id > ? ORDER BY id LIMIT ?',
  bounds: "SELECT (SELECT MIN(id) FROM changes) AS oldest, (SELECT seq FROM sqlite_sequence WHERE name = 'changes') AS newest",
  pruneByCount: 'DELETE FROM changes WHERE id <= (SELECT MAX(id) FROM changes) - ?',
  pruneByBytes: `DELETE FROM changes WHERE id <= (
      SELECT id FROM (SELECT id, SUM(length(CAST(payload AS BLOB))) OVER (ORDER BY id DESC) AS kept FROM changes)
      WHERE kept > ? ORDER BY id DESC LIMIT 1)`,
} as const;

export interface ChangeBounds {
  /** The oldest retained change (null: none retained). */
  oldest: number | null;
  /** The newest id ever issued (0 when none). */
  newest: number;
}

/**
 * The `changes` table: every write by any process on the file appends its change in the write's
 * own transaction. Written by the memory store (and re-embed and backups), read by the event log
 * (SSE, MCP notifications) and by the vector index to catch up with other processes' writes.
 */
export class SqliteChangeFeed {
  private appendsSincePrune = PRUNE_EVERY_APPENDS - 1;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly retention: { maxRows: number; maxBytes: number } = DEFAULT_CHANGE_LOG,
  ) {}

  /** Appends inside the caller's write transaction (`memoryId`: the row a memory change touches), pruning the log now and then. */
  appendInTransaction(kind: string, contentHash: string | null, payload: ChangePayload, memoryId: number | null = null): void {
    this.db.statement(SQL.append).run({ kind, contentHash, memoryId, payload: JSON.stringify(payload), createdAt: Date.now() / 1000 });
    if (++this.appendsSincePrune >= PRUNE_EVERY_APPENDS) {
      this.appendsSincePrune = 0;
      this.db.statement(SQL.pruneByCount).run(this.retention.maxRows);
      this.db.statement(SQL.pruneByBytes).run(this.retention.maxBytes);
    }
  }

  /** A change that is no memory write (backups), in a transaction of its own. */
  append(kind: string, payload: ChangePayload): Promise<void> {
    return this.db.write(() => this.appendInTransaction(kind, null, payload));
  }

  /** Changes after `id`, oldest first, at most `limit`. */
  changesAfter(id: number, limit: number): Promise<Change[]> {
    return this.db.run(() =>
      (this.db.statement(SQL.after).all(id, limit) as { id: number; kind: string; payload: string }[]).map((row) => ({
        id: row.id,
        type: row.kind,
        payload: JSON.parse(row.payload) as ChangePayload,
      })),
    );
  }

  bounds(): Promise<ChangeBounds> {
    return this.db.run(() => this.boundsNow());
  }

  /** The bounds read now, on the caller's turn (inside run() or the index's catch-up). */
  boundsNow(): ChangeBounds {
    const row = this.db.statement(SQL.bounds).get() as { oldest: number | null; newest: number | null };
    return { oldest: row.oldest, newest: row.newest ?? 0 };
  }

  /** What changed after `id` (kind and memory only, no payload), read now: for the vector index's catch-up. */
  kindsAfterNow(id: number, limit: number): { id: number; kind: string; memoryId: number | null }[] {
    return this.db.statement(SQL.kindsAfter).all(id, limit) as { id: number; kind: string; memoryId: number | null }[];
  }

  /** Changes when another process commits to the file (PRAGMA data_version): a cheap "anything new?". */
  dataVersion(): number {
    return this.db.dataVersion();
  }
}
