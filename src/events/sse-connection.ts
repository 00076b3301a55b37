import type { ServerResponse } from 'node:http';
import type { ServerEvent } from './server-event.js';

/**
 * One open event stream. Writes never wait: the socket's unsent backlog is this connection's
 * queue, and a client whose backlog passes the cap is disconnected (it can resume by id).
 */
export class SseConnection {
  private open = true;
  /** True once the connection was cut for falling too far behind. */
  dropped = false;
  /** While a resuming client is sent what it missed, live events wait here. */
  catchingUp = false;
  held: ServerEvent[] = [];

  readonly connectedAt = Date.now();
  lastHeartbeat = Date.now();

  constructor(
    readonly id: string,
    private readonly response: ServerResponse,
    private readonly named: boolean,
    private readonly maxQueueBytes: number,
    /** Who is connected, for /api/events/stats (upstream's fields). */
    readonly client: { ip: string; userAgent: string } = { ip: 'unknown', userAgent: 'unknown' },
    /** The spaces whose memory changes it receives (undefined: every change, and every other event). */
    private readonly spaces?: readonly string[],
    /** Asked for search_completed events: the label of its key, whose searches it is told. */
    readonly searchesBy?: string,
  ) {}

  /**
   * Whether the client may receive the event: a key bound to spaces gets the memory changes of
   * those spaces only, and no database-wide events (backups, model changes: they count everything).
   */
  sees(event: ServerEvent): boolean {
    return this.spaces === undefined || (event.space !== null && this.spaces.includes(event.space));
  }

  get isOpen(): boolean {
    return this.open && !this.response.destroyed;
  }

  /** Returns false when the client was too far behind and has been disconnected. */
  send(event: ServerEvent): boolean {
    return this.write(this.named ? event.namedFrame : event.plainFrame);
  }

  comment(text: string): boolean {
    return this.write(`: ${text}\n\n`);
  }

  /**
   * A keep-alive: on the named stream upstream's `heartbeat` event (no id, so resuming is not
   * affected), on the unnamed one a comment that EventSource.onmessage never sees.
   */
  /** A message that is not part of the feed (no id: resuming never counts it). */
  notice(type: string, data: Record<string, unknown>): boolean {
    const json = JSON.stringify(data);
    return this.write(this.named ? `event: ${type}\ndata: ${json}\n\n` : `data: ${json}\n\n`);
  }

  heartbeat(data: Record<string, unknown>): boolean {
    this.lastHeartbeat = Date.now();
    return this.named ? this.write(`event: heartbeat\ndata: ${JSON.stringify(data)}\n\n`) : this.comment('heartbeat');
  }

  write(frame: string): boolean {
    if (!this.isOpen) return false;
    // The backlog left from earlier messages decides: one large message alone never drops a
    // client that keeps reading.
    if (this.response.writableLength > this.maxQueueBytes) {
      this.dropped = true;
      this.open = false;
      this.response.destroy();
      return false;
    }
    this.response.write(frame);
    return true;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.response.end();
  }
}
