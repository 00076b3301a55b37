import { Injectable } from '@nestjs/common';

/** store and search whole (as REST and MCP see them); the searches' vector and keyword legs apart. */
export type TimedOperation = 'store' | 'search' | 'vector_search' | 'keyword_search';

export interface TimingSummary {
  /** Operations completed since the server started. */
  count: number;
  /** Over the most recent operations (at most WINDOW); null before the first. */
  p50Ms: number | null;
  p95Ms: number | null;
}

/** How many of the latest durations the percentiles are computed over. */
const WINDOW = 1000;

class Window {
  private readonly values = new Float64Array(WINDOW);
  private next = 0;
  count = 0;

  add(ms: number): void {
    this.values[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
    this.count += 1;
  }

  summary(): TimingSummary {
    const filled = Math.min(this.count, WINDOW);
    if (filled === 0) return { count: 0, p50Ms: null, p95Ms: null };
    const sorted = this.values.slice(0, filled).sort();
    const at = (q: number): number => Math.round(sorted[Math.min(filled - 1, Math.floor(q * filled))]! * 10) / 10;
    return { count: this.count, p50Ms: at(0.5), p95Ms: at(0.95) };
  }
}

/**
 * How long stores and searches take inside the service (model and database included, whichever
 * way they came in: REST or MCP), over a sliding window of the latest operations.
 */
@Injectable()
export class OperationTimings {
  private readonly windows: Record<TimedOperation, Window> = {
    store: new Window(),
    search: new Window(),
    vector_search: new Window(),
    keyword_search: new Window(),
  };
  private readonly listeners: ((operation: TimedOperation, ms: number) => void)[] = [];

  /** Runs `work` and records its duration when it succeeds. */
  async time<T>(operation: TimedOperation, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await work();
    this.record(operation, performance.now() - started);
    return result;
  }

  /** A duration measured by the caller. */
  record(operation: TimedOperation, ms: number): void {
    this.windows[operation].add(ms);
    for (const listener of this.listeners) listener(operation, ms);
  }

  /** Every duration recorded from now on (the metrics' histograms). */
  observe(listener: (operation: TimedOperation, ms: number) => void): void {
    this.listeners.push(listener);
  }

  summary(operation: TimedOperation): TimingSummary {
    return this.windows[operation].summary();
  }
}
