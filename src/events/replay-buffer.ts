/** A fixed-size ring of the most recent items, each with an increasing numeric id. */
export class ReplayBuffer<T extends { id: number }> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  get oldestId(): number | null {
    return this.count === 0 ? null : this.items[this.start]!.id;
  }

  push(item: T): void {
    if (this.capacity === 0) return;
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  /**
   * Items after `id`, oldest first; null when some of them are no longer held (the caller must
   * resynchronize), or when `id` is newer than anything handed out (e.g. from before a restart).
   */
  since(id: number, lastIssuedId: number): T[] | null {
    if (id > lastIssuedId) return null;
    if (id === lastIssuedId) return [];
    const oldest = this.oldestId;
    if (oldest === null || id < oldest - 1) return null;
    const result: T[] = [];
    for (let i = 0; i < this.count; i++) {
      const item = this.items[(this.start + i) % this.capacity]!;
      if (item.id > id) result.push(item);
    }
    return result;
  }
}
