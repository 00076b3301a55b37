import { MemoryChangeTypes } from '../storage/change-log.js';
import { DEFAULT_SPACE } from '../storage/memory.js';

/** One message of the event feed, serialized once and shared by every connection. */
export interface ServerEvent {
  id: number;
  type: string;
  /** The SSE frame without an event name (for `onmessage` clients). */
  plainFrame: string;
  /** The same frame with `event: <type>` (for `addEventListener` clients). */
  namedFrame: string;
  /** The space of the memory a memory change is about (who may receive it); null for other events. */
  space: string | null;
}

export type EventPayload = Record<string, unknown>;

/** What the wire adds to a memory change (upstream's event fields); the change log keeps only the facts. */
const MEMORY_EVENT_FIELDS: Readonly<Record<string, EventPayload>> = {
  [MemoryChangeTypes.stored]: { message: 'New memory stored successfully' },
  [MemoryChangeTypes.updated]: { message: 'Memory updated successfully' },
  [MemoryChangeTypes.deleted]: { success: true, message: 'Memory deleted successfully' },
};

/** A change (or a server notice) as an SSE message: `{type, timestamp, ...payload}` in upstream's shape. */
export function buildServerEvent(id: number, type: string, payload: EventPayload): ServerEvent {
  // The payload's own timestamp (when the change happened) wins over the time of delivery.
  const data = JSON.stringify({ type, timestamp: new Date().toISOString(), ...payload, ...MEMORY_EVENT_FIELDS[type] });
  const isMemoryChange = MEMORY_EVENT_FIELDS[type] !== undefined;
  return {
    id,
    type,
    // Changes logged before spaces existed were all in the default space.
    space: isMemoryChange ? (typeof payload.space === 'string' ? payload.space : DEFAULT_SPACE) : null,
    plainFrame: `id: ${id}\ndata: ${data}\n\n`,
    namedFrame: `id: ${id}\nevent: ${type}\ndata: ${data}\n\n`,
  };
}
