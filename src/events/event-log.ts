import type { EventPayload } from './server-event.js';

/** Where feed events get their ids and reach every server: in-process, or PostgreSQL across replicas. */
export const EVENT_LOG = Symbol('EVENT_LOG');

export type EventListener = (id: number, type: string, payload: EventPayload) => void;

export interface EventLog {
  /** Id of the newest event known when the log started (new clients start after it). */
  readonly startId: number;
  /** Records an event; every subscriber (on every replica) receives it with its id, in id order. */
  append(type: string, payload: EventPayload): Promise<void>;
  subscribe(listener: EventListener): void;
  close(): Promise<void>;
}

/**
 * One server on its own: ids come from a counter seeded from the clock (microseconds), so they keep
 * increasing across restarts; delivery is immediate.
 */
export class LocalEventLog implements EventLog {
  readonly startId = Date.now() * 1000;
  private lastId = this.startId;
  private readonly listeners: EventListener[] = [];

  async append(type: string, payload: EventPayload): Promise<void> {
    this.lastId += 1;
    for (const listener of this.listeners) listener(this.lastId, type, payload);
  }

  subscribe(listener: EventListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {}
}
