import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventListener, EventLog } from '../../events/event-log.js';
import type { EventPayload } from '../../events/server-event.js';

const CHANNEL = 'mcp_memory_events';
/** Serializes appends so ids become visible in order (a later id never commits before an earlier one). */
const APPEND_LOCK = 7_342_118_266;
/** Events kept in the table; older ones are pruned every PRUNE_EVERY appends. */
const RETAINED_EVENTS = 1000;
const PRUNE_EVERY = 100;

/**
 * Events shared by every replica: appended to the `events` table with a global id and announced
 * with pg_notify (the id only); each replica LISTENs on a dedicated session connection and reads
 * the new rows back in id order. Must not go through a transaction-mode pooler (pgbouncer):
 * LISTEN needs a real session.
 */
export class PostgresEventLog implements EventLog {
  private readonly listeners: EventListener[] = [];
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

  async append(type: string, payload: EventPayload): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      await client.query(
        `WITH e AS (INSERT INTO events (type, payload) VALUES ($1, $2) RETURNING id) SELECT pg_notify('${CHANNEL}', id::text) FROM e`,
        [type, JSON.stringify(payload)],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    if (++this.appends % PRUNE_EVERY === 0) {
      await this.pool.query('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - $1', [RETAINED_EVENTS]).catch(() => undefined);
    }
  }

  subscribe(listener: EventListener): void {
    this.listeners.push(listener);
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
          const rows = await this.pool.query<{ id: string; type: string; payload: EventPayload }>('SELECT id, type, payload FROM events WHERE id > $1 ORDER BY id', [this.lastSeen]);
          for (const row of rows.rows) {
            this.lastSeen = Number(row.id);
            for (const listener of this.listeners) listener(this.lastSeen, row.type, row.payload);
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
