import { LRUCache } from 'lru-cache';
import type { EmbeddingProvider } from '../embeddings/embedding-provider.js';

export interface QueryCacheStats {
  size: number;
  capacity: number;
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 before the first lookup. */
  hitRatio: number;
}

/**
 * Query embeddings by normalized text (white space collapsed), least recently used out: a
 * repeated query costs no model call. Concurrent misses for the same text share one call.
 */
export class QueryEmbeddingCache {
  private readonly entries: LRUCache<string, Promise<Float32Array>> | null;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly provider: EmbeddingProvider,
    readonly capacity: number,
  ) {
    this.entries = capacity > 0 ? new LRUCache({ max: capacity }) : null;
  }

  embed(query: string): Promise<Float32Array> {
    const text = query.trim().replace(/\s+/gu, ' ');
    // Per model: after a re-embed moves the database to another model, old vectors never return.
    const key = `${this.provider.modelId}\n${text}`;
    const cached = this.entries?.get(key);
    if (cached !== undefined) {
      this.hits += 1;
      return cached;
    }
    this.misses += 1;
    const pending = this.provider.embed([text]).then(([vector]) => vector!);
    this.entries?.set(key, pending);
    // A failed call is not remembered.
    pending.catch(() => this.entries?.peek(key) === pending && this.entries.delete(key));
    return pending;
  }

  /** Forgets every query's vector; how many there were. */
  clear(): number {
    const size = this.entries?.size ?? 0;
    this.entries?.clear();
    return size;
  }

  stats(): QueryCacheStats {
    const lookups = this.hits + this.misses;
    return { size: this.entries?.size ?? 0, capacity: this.capacity, hits: this.hits, misses: this.misses, hitRatio: lookups === 0 ? 0 : this.hits / lookups };
  }
}
