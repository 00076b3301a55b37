/**
 * The most recent items, each with an increasing numeric id, bounded both by count and by bytes
 * (so a few large events cannot take the server's memory).
 */
export class ReplayBuffer<T extends { id: number }> {
  private items: T[] = [];
  private sizes: number[] = [];
  private head = 0;
  private totalBytes = 0;

  constructor(
    readonly capacity: number,
    readonly maxBytes: number,
    private readonly sizeOf: (item: T) => number,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get oldestId(): number | null {
    return this.size === 0 ? null : this.items[this.head]!.id;
  }

  push(item: T): void {
    const bytes = this.sizeOf(item);
    if (this.capacity === 0 || bytes > this.maxBytes) {
      // Nothing older can be replayed past an item that is not kept.
      this.clear();
      return;
    }
    this.items.push(item);
    this.sizes.push(bytes);
    this.totalBytes += bytes;
    while (this.size > this.capacity || this.totalBytes > this.maxBytes) {
      this.totalBytes -= this.sizes[this.head]!;
      this.head += 1;
    }
    // Drop the consumed prefix now and then, so the arrays do not grow forever.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Items after `id`, oldest first; null when some of them are no longer held (the caller must
   * look further, or resynchronize), or when `id` is newer than anything handed out.
   */
  since(id: number, lastIssuedId: number): T[] | null {
    if (id > lastIssuedId) return null;
    if (id === lastIssuedId) return [];
    const oldest = this.oldestId;
    if (oldest === null || id < oldest - 1) return null;
    const result: T[] = [];
    for (let i = this.head; i < this.items.length; i++) if (this.items[i]!.id > id) result.push(this.items[i]!);
    return result;
  }

  private clear(): void {
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.totalBytes = 0;
  }
}
