import type { Change, ChangeListener, ChangePayload, EventLog } from '../change-log.js';
import type { SqliteChangeFeed } from './sqlite-change-feed.js';

/** How often the server looks for commits by other processes (PRAGMA data_version: one cheap call). */
const POLL_MS = 100;
/** Changes read per query while catching up. */
const BATCH = 500;

/**
 * Follows the `changes` table of a SQLite file: this process's own writes are read back right
 * after they commit (poll()), and writes by other processes on the file (stdio `mcp` processes)
 * within POLL_MS, so every SSE client and MCP session hears of every change. Ids come from the
 * table, so a client can resume with Last-Event-ID across a server restart.
 */
export class SqliteEventLog implements EventLog {
  private readonly listeners: ChangeListener[] = [];
  private delivered: number;
  private timer: NodeJS.Timeout | null = null;
  private lastDataVersion = -1;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private closed = false;

  private constructor(
    private readonly feed: SqliteChangeFeed,
    readonly startId: number,
  ) {
    this.delivered = startId;
  }

  static async open(feed: SqliteChangeFeed): Promise<SqliteEventLog> {
    const { newest } = await feed.bounds();
    return new SqliteEventLog(feed, newest);
  }

  get lastId(): number {
    return this.delivered;
  }

  async newestId(): Promise<number> {
    return (await this.feed.bounds()).newest;
  }

  async append(type: string, payload: ChangePayload): Promise<void> {
    await this.feed.append(type, payload);
    this.poll();
  }

  subscribe(listener: ChangeListener): void {
    this.listeners.push(listener);
    if (this.timer === null && !this.closed) {
      this.timer = setInterval(() => this.pollIfChanged(), POLL_MS);
      this.timer.unref();
    }
  }

  poll(): void {
    if (this.closed || this.listeners.length === 0) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = (async () => {
      // After the current request has sent its answer: delivery never delays the writer.
      await new Promise((resolve) => setImmediate(resolve));
      do {
        this.readAgain = false;
        try {
          for (;;) {
            const changes = await this.feed.changesAfter(this.delivered, BATCH);
            for (const change of changes) this.deliver(change);
            if (changes.length < BATCH) break;
          }
        } catch {
          // The database is busy or paused; the next poll tries again.
        }
      } while (this.readAgain && !this.closed);
      this.reading = null;
    })();
  }

  async since(id: number): Promise<Change[] | null> {
    const { oldest, newest } = await this.feed.bounds();
    if (id > newest) return null;
    if (id === newest) return [];
    if (oldest === null || id < oldest - 1) return null;
    const changes: Change[] = [];
    for (let after = id; ;) {
      const batch = await this.feed.changesAfter(after, BATCH);
      changes.push(...batch.filter((c) => c.id <= this.delivered));
      if (batch.length < BATCH || batch.at(-1)!.id >= this.delivered) break;
      after = batch.at(-1)!.id;
    }
    return changes;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.reading;
  }

  private pollIfChanged(): void {
    let version: number;
    try {
      version = this.feed.dataVersion();
    } catch {
      return;
    }
    if (version === this.lastDataVersion) return;
    this.lastDataVersion = version;
    this.poll();
  }

  private deliver(change: Change): void {
    if (change.id <= this.delivered) return;
    this.delivered = change.id;
    for (const listener of this.listeners) listener(change);
  }
}
