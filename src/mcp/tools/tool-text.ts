import type { DetailedHealthResponse } from '../../health/dto/health.responses.js';
import type { MemoryResponse } from '../../memories/dto/memory.response.js';

/** A search hit as the tools report it. */
export interface FoundMemory {
  memory: MemoryResponse;
  similarity_score: number;
  relevance_reason: string;
  /** How it was found when not by the search itself (fallback). */
  match_method?: 'exact_fallback' | 'tag_fallback';
  /** The sentence of a long memory that matched by meaning. */
  matched_passage?: string;
}

/** Upstream's estimate of what one memory costs in a truncated reply. */
const CHARS_PER_MEMORY_OVERHEAD = 200;

/**
 * memory_search's reply in upstream's layout: `Found N memories (mode: m) for query: 'q'`, then
 * numbered entries with hash, creation time, tags and (for fallback hits) how they were found.
 */
export function searchText(found: FoundMemory[], header: { mode: string; query: string | null; fallback: boolean }): string {
  const forQuery = header.query ? ` for query: '${header.query}'` : '';
  if (found.length === 0) return `No memories found${forQuery}`;
  const entries = found.map(({ memory, match_method, matched_passage }, i) => {
    const tags = memory.tags.length > 0 ? ` [${memory.tags.join(', ')}]` : '';
    const via = match_method ? ` (via ${match_method})` : '';
    const passage = matched_passage ? `\n   Matched passage: ${matched_passage}` : '';
    return `${i + 1}. ${memory.content}\n   Hash: ${memory.content_hash}\n   Created: ${memory.created_at_iso}${tags}${via}${passage}`;
  });
  return `Found ${found.length} memories (mode: ${header.mode})${header.fallback ? ' [fallback: exact+tag]' : ''}${forQuery}\n\n${entries.join('\n\n')}`;
}

/**
 * The layout upstream uses with max_response_chars: whole memories only (each counted as its
 * length plus 200), at least one, and a banner when some were left out.
 */
export function truncatedSearchText(found: FoundMemory[], header: { mode: string; query: string | null }, maxChars: number): string {
  const total = found.reduce((sum, f) => sum + f.memory.content.length + CHARS_PER_MEMORY_OVERHEAD, 0);
  const kept: FoundMemory[] = [];
  let used = 0;
  for (const f of found) {
    const cost = f.memory.content.length + CHARS_PER_MEMORY_OVERHEAD;
    if (kept.length > 0 && used + cost > maxChars) break;
    kept.push(f);
    used += cost;
  }
  const blocks = kept.map(
    ({ memory }, i) =>
      `=== Memory ${i + 1} ===\nTimestamp: ${memory.created_at_iso}\nContent: ${memory.content}\nHash: ${memory.content_hash}\nTags: ${memory.tags.join(', ')}\n---`,
  );
  const head = `Found ${found.length} memories (mode: ${header.mode})${header.query ? ` for query: '${header.query}'` : ''}`;
  const banner =
    kept.length < found.length
      ? `[!] RESPONSE TRUNCATED: Showing ${kept.length} of ${found.length} results (${used} of ${total} chars).\n` +
        `${found.length - kept.length} results were omitted.\nHint: narrow the query, lower limit, or raise max_response_chars.\n\n`
      : '';
  return `${banner}${head}\n\n${blocks.join('\n')}`;
}

/** memory_health's reply: upstream's heading and JSON layout, filled from /api/health/detailed. */
export function healthText(health: DetailedHealthResponse, serviceVersion: string): { text: string; report: Record<string, unknown> } {
  const healthy = health.status === 'healthy';
  const report = {
    version: serviceVersion,
    validation: {
      status: healthy ? 'healthy' : 'unhealthy',
      message: healthy ? 'Database validation successful' : (health.write_failure ?? `status ${health.status}`),
    },
    statistics: {
      status: health.status,
      backend: health.storage_type === 'sqlite_vec' ? 'sqlite-vec' : health.storage_type,
      total_memories: health.statistics?.total_memories ?? 0,
      total_tags: health.statistics?.total_tags ?? 0,
      has_embedding_tables: true,
      has_embedding_model: true,
      embedding_model: health.embedding_model,
      embedding_dimension: health.embedding_dimension,
      database_path: health.database_path,
      database_size_bytes: health.database_size_bytes,
      database_size_mb: Math.round((health.database_size_bytes / 1_048_576) * 100) / 100,
      schema_version: health.schema_version,
    },
    integrity: {},
    performance: { storage: {}, server: { uptime_seconds: health.uptime_seconds, storage_type: health.storage_type } },
  };
  return { text: `Database Health Check Results:\n${JSON.stringify(report, null, 2)}`, report };
}

/** memory_stats's reply: upstream reports its caches; ours is the query-embedding cache. */
export function statsReport(health: DetailedHealthResponse): Record<string, unknown> {
  const cache = health.query_cache;
  const calls = cache.hits + cache.misses;
  return {
    total_calls: calls,
    hit_rate: cache.hit_ratio,
    storage_cache: { hits: 0, misses: 0, hit_rate: 0, size: 0, keys: [] },
    service_cache: { hits: cache.hits, misses: cache.misses, hit_rate: cache.hit_ratio, size: cache.size, capacity: cache.capacity },
    performance: { uptime_seconds: health.uptime_seconds },
    message: 'service_cache is the query-embedding cache: a repeated query costs no model call',
    backend_info: { storage_backend: health.storage_type, sqlite_path: health.database_path, embedding_model: health.embedding_model },
  };
}
