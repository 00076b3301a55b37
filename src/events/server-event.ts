/** One message of the event feed, serialized once and shared by every connection. */
export interface ServerEvent {
  id: number;
  type: string;
  /** The SSE frame without an event name (for `onmessage` clients). */
  plainFrame: string;
  /** The same frame with `event: <type>` (for `addEventListener` clients). */
  namedFrame: string;
}

export type EventPayload = Record<string, unknown>;

export function buildServerEvent(id: number, type: string, payload: EventPayload): ServerEvent {
  // The payload's own timestamp (when the change happened) wins over the time of delivery.
  const data = JSON.stringify({ type, timestamp: new Date().toISOString(), ...payload });
  return {
    id,
    type,
    plainFrame: `id: ${id}\ndata: ${data}\n\n`,
    namedFrame: `id: ${id}\nevent: ${type}\ndata: ${data}\n\n`,
  };
}
