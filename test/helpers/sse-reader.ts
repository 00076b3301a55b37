import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface FeedMessage {
  id: string | undefined;
  /** The `event:` name, or undefined for unnamed messages. */
  event: string | undefined;
  data: Record<string, unknown>;
  /** performance.now() when the message was parsed. */
  receivedAt: number;
}

/**
 * A raw SSE client over fetch: sends any headers (Last-Event-ID, auth), records every message,
 * comment and retry field, and can wait for what a test expects.
 */
export class SseReader {
  readonly messages: FeedMessage[] = [];
  readonly comments: string[] = [];
  retry: number | null = null;
  readonly status: number;
  private waiters: (() => void)[] = [];
  readonly done: Promise<void>;

  private constructor(
    response: Response,
    private readonly controller: AbortController,
  ) {
    this.status = response.status;
    const parser = createParser({
      onEvent: (message: EventSourceMessage) => {
        this.messages.push({
          id: message.id,
          event: message.event,
          data: JSON.parse(message.data) as Record<string, unknown>,
          receivedAt: performance.now(),
        });
        this.notify();
      },
      onComment: (comment) => {
        this.comments.push(comment.trim());
        this.notify();
      },
      onRetry: (ms) => {
        this.retry = ms;
      },
    });
    this.done = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // Aborted by close(), or the server ended the stream.
      }
      this.notify();
    })();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    return new SseReader(response, controller);
  }

  /** Messages other than connection_established. */
  get events(): FeedMessage[] {
    return this.messages.filter((m) => m.data.type !== 'connection_established');
  }

  async waitFor(predicate: (reader: SseReader) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out; received ${JSON.stringify(this.messages.map((m) => m.data.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.controller.abort();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
