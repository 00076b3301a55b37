import { isVisible, type Memory } from '../storage/memory.js';

/**
 * Recent results of one kind of search (hybrid) by their request, each valid while the change log
 * has not moved since it was computed: any write by any process or replica moves it, so a
 * repeated search is answered without searching and is never stale. A memory that expired
 * meanwhile (expiry logs nothing until the purge) is left out on the way out.
 */
export class ResultCache<T extends { memory: Memory }> {
  private readonly entries = new Map<string, { version: number; hits: T[] }>();

  /** `size`: entries kept, least recently used out first (0: nothing is kept). */
  constructor(private readonly size: number) {}

  get(key: string, version: number): T[] | null {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.version !== version) return null;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    const now = Date.now() / 1000;
    return entry.hits.filter((hit) => isVisible(hit.memory, now, true));
  }

  set(key: string, version: number, hits: T[]): void {
    if (this.size === 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { version, hits });
  }

  /** The cached hits for `key` at `version`, else computed now and kept. */
  async through(key: string, version: number, compute: () => Promise<T[]>): Promise<T[]> {
    const cached = this.get(key, version);
    if (cached !== null) return cached;
    const hits = await compute();
    this.set(key, version, hits);
    return hits;
  }

  clear(): number {
    const count = this.entries.size;
    this.entries.clear();
    return count;
  }
}
