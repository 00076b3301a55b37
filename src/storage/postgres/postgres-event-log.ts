import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Change, ChangeListener, ChangePayload, EventLog } from '../change-log.js';

const CHANNEL = 'mcp_memory_events';
/** Serializes appends so ids become visible in order (a later id never commits before an earlier one). */
const APPEND_LOCK = 7_342_118_266;
/** Events kept in the table; older ones are pruned every PRUNE_EVERY appends. */
const RETAINED_EVENTS = 10_000;
const PRUNE_EVERY = 100;

/**
 * Appends a change inside the caller's transaction (a memory write's, so the change commits with
 * it) and announces its id. The advisory lock makes ids become visible in order: a later id never
 * commits before an earlier one.
 */
export async function appendEvent(client: pg.PoolClient, type: string, payload: ChangePayload): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
  await client.query(`WITH e AS (INSERT INTO events (type, payload) VALUES ($1, $2) RETURNING id) SELECT pg_notify('${CHANNEL}', id::text) FROM e`, [
    type,
    JSON.stringify(payload),
  ]);
}

/**
 * Events shared by every replica: appended to the `events` table with a global id and announced
 * with pg_notify (the id only); each replica LISTENs on a dedicated session connection and reads
 * the new rows back in id order. Must not go through a transaction-mode pooler (pgbouncer):
 * LISTEN needs a real session.
 */
export class PostgresEventLog implements EventLog {
  private readonly listeners: ChangeListener[] = [];
  private listener: pg.Client | null = null;
  private lastSeen: number;
  private fetching: Promise<void> | null = null;
  private fetchAgain = false;
  private appends = 0;
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    readonly startId: number,
  ) {
    this.lastSeen = startId;
  }

  static async open(url: string): Promise<PostgresEventLog> {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => undefined);
    const rows = await pool.query<{ id: string | null }>('SELECT MAX(id) AS id FROM events');
    const log = new PostgresEventLog(url, pool, Number(rows.rows[0]!.id ?? 0));
    await log.listen();
    return log;
  }

  get lastId(): number {
    return this.lastSeen;
  }

  async newestId(): Promise<number> {
    const rows = await this.pool.query<{ id: string | null }>('SELECT MAX(id) AS id FROM events');
    return Number(rows.rows[0]!.id ?? 0);
  }

  async append(type: string, payload: ChangePayload): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await appendEvent(client, type, payload);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    this.fetchNew();
  }

  subscribe(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  poll(): void {
    this.fetchNew();
  }

  async since(id: number): Promise<Change[] | null> {
    const bounds = await this.pool.query<{ oldest: string | null; newest: string | null }>('SELECT MIN(id) AS oldest, MAX(id) AS newest FROM events');
    const oldest = bounds.rows[0]!.oldest === null ? null : Number(bounds.rows[0]!.oldest);
    const newest = Number(bounds.rows[0]!.newest ?? 0);
    if (id > Math.max(newest, this.lastSeen)) return null;
    if (id >= this.lastSeen) return [];
    if (oldest === null || id < oldest - 1) return null;
    const rows = await this.pool.query<{ id: string; type: string; payload: ChangePayload }>(
      'SELECT id, type, payload FROM events WHERE id > $1 AND id <= $2 ORDER BY id',
      [id, this.lastSeen],
    );
    return rows.rows.map((row) => ({ id: Number(row.id), type: row.type, payload: row.payload }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => this.fetchNew());
    // A lost session is replaced; events appended meanwhile are read back by id.
    client.on('error', () => void this.reconnect(client));
    client.on('end', () => void this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
    this.fetchNew();
  }

  private async reconnect(lost: pg.Client): Promise<void> {
    if (this.closed || this.listener !== lost) return;
    this.listener = null;
    for (let delay = 200; !this.closed; delay = Math.min(delay * 2, 5000)) {
      await sleep(delay);
      try {
        await this.listen();
        return;
      } catch {
        // Keep trying: the database may be restarting.
      }
    }
  }

  /** Reads every event after the last one delivered, in order; concurrent calls coalesce. */
  private fetchNew(): void {
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    this.fetching = (async () => {
      do {
        this.fetchAgain = false;
        try {
          const rows = await this.pool.query<{ id: string; type: string; payload: ChangePayload }>(
            'SELECT id, type, payload FROM events WHERE id > $1 ORDER BY id',
            [this.lastSeen],
          );
          for (const row of rows.rows) {
            this.lastSeen = Number(row.id);
            const change: Change = { id: this.lastSeen, type: row.type, payload: row.payload };
            for (const listener of this.listeners) listener(change);
          }
          if (rows.rows.length > 0 && ++this.appends % PRUNE_EVERY === 0) {
            await this.pool.query('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - $1', [RETAINED_EVENTS]).catch(() => undefined);
          }
        } catch {
          if (!this.closed) this.fetchAgain = true;
          await sleep(200);
        }
      } while (this.fetchAgain && !this.closed);
      this.fetching = null;
    })();
  }
}
