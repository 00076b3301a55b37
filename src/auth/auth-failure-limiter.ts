interface Window {
  startedAt: number;
  failures: number;
}

/** Addresses tracked at most; beyond this, expired windows are swept on the next failure. */
const SWEEP_THRESHOLD = 10_000;

/**
 * Counts wrong keys per client address in fixed windows, so a key cannot be guessed by brute
 * force: past the limit, the address is refused (429) until its window ends.
 */
export class AuthFailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the address may try again, or 0 when it is not blocked. */
  blockedFor(address: string): number {
    const window = this.current(address);
    if (!window || window.failures < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((window.startedAt + this.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    if (this.windows.size >= SWEEP_THRESHOLD) this.sweep();
    const window = this.current(address);
    if (window) window.failures += 1;
    else this.windows.set(address, { startedAt: this.now(), failures: 1 });
  }

  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window && this.now() - window.startedAt >= this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }

  private sweep(): void {
    for (const [address, window] of this.windows) if (this.now() - window.startedAt >= this.windowMs) this.windows.delete(address);
  }
}
