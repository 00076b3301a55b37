import type { ToolAlias } from './tool-registry.js';

type Args = Record<string, unknown>;

const defined = (args: Args): Args => Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined && v !== null));
const listOf = (value: unknown): unknown => (value === undefined || value === null ? undefined : Array.isArray(value) ? value : [value]);

/**
 * Upstream's deprecated tool names (its compat.py), accepted and translated to the current tools
 * but not listed, as upstream does. Where this server knows an old argument upstream drops, it is
 * kept (store_memory's top-level tags, retrieve_memory's similarity_threshold, list_memories'
 * tag); retrieval uses this server's default mode (hybrid) rather than upstream's "semantic".
 */
export const DEPRECATED_ALIASES: readonly ToolAlias[] = [
  { name: 'store_memory', target: 'memory_store', translate: (a) => a },
  { name: 'check_database_health', target: 'memory_health', translate: () => ({}) },
  { name: 'get_cache_stats', target: 'memory_stats', translate: () => ({}) },
  { name: 'cleanup_duplicates', target: 'memory_cleanup', translate: () => ({}) },
  { name: 'update_memory_metadata', target: 'memory_update', translate: (a) => a },
  { name: 'list_memories', target: 'memory_list', translate: (a) => a },
  {
    name: 'search_by_tag',
    target: 'memory_list',
    translate: (a) =>
      defined({ tags: a.tags ?? listOf(a.tag), tag_match: a.tag_match, operation: a.operation, match_all: a.match_all, page_size: a.limit ?? a.n_results }),
  },
  { name: 'delete_memory', target: 'memory_delete', translate: (a) => ({ content_hash: a.content_hash }) },
  { name: 'delete_by_tag', target: 'memory_delete', translate: (a) => defined({ tags: a.tags ?? listOf(a.tag), tag_match: 'any' }) },
  { name: 'delete_by_tags', target: 'memory_delete', translate: (a) => defined({ tags: a.tags, tag_match: 'any' }) },
  { name: 'delete_by_all_tags', target: 'memory_delete', translate: (a) => defined({ tags: a.tags, tag_match: 'all' }) },
  {
    name: 'delete_by_timeframe',
    target: 'memory_delete',
    translate: (a) => defined({ after: a.start_date, before: a.end_date, tags: listOf(a.tag) }),
  },
  { name: 'delete_before_date', target: 'memory_delete', translate: (a) => defined({ before: a.before_date, tags: listOf(a.tag) }) },
  {
    name: 'retrieve_memory',
    target: 'memory_search',
    translate: (a) =>
      defined({
        query: a.query,
        limit: a.limit ?? a.n_results ?? 5,
        similarity_threshold: a.similarity_threshold,
        mode: a.mode,
        max_response_chars: a.max_response_chars,
      }),
  },
  {
    // upstream used the phrase both as the time and as the query; a semantic_query ranks the memories of that time.
    name: 'recall_memory',
    target: 'memory_search',
    translate: (a) => defined({ time_expr: a.query, query: a.semantic_query, limit: a.limit ?? a.n_results ?? 5, max_response_chars: a.max_response_chars }),
  },
  {
    name: 'recall_by_timeframe',
    target: 'memory_search',
    translate: (a) => defined({ after: a.start_date, before: a.end_date, limit: a.limit ?? a.n_results ?? 5, max_response_chars: a.max_response_chars }),
  },
  {
    name: 'retrieve_with_quality_boost',
    target: 'memory_search',
    translate: (a) =>
      defined({ query: a.query, quality_boost: a.quality_weight ?? 0.3, limit: a.n_results ?? 10, mode: 'hybrid', max_response_chars: a.max_response_chars }),
  },
  { name: 'exact_match_retrieve', target: 'memory_search', translate: (a) => defined({ query: a.content, mode: 'exact', limit: a.limit ?? a.n_results }) },
  {
    name: 'debug_retrieve',
    target: 'memory_search',
    translate: (a) => defined({ query: a.query, limit: a.n_results ?? 5, include_debug: true, max_response_chars: a.max_response_chars }),
  },
  // The consolidation tools of v10, each now an action of memory_consolidate.
  ...(
    [
      ['consolidate_memories', 'run'],
      ['trigger_consolidation', 'run'],
      ['consolidation_status', 'status'],
      ['consolidation_recommendations', 'recommend'],
      ['scheduler_status', 'scheduler'],
      ['pause_consolidation', 'pause'],
      ['resume_consolidation', 'resume'],
    ] as const
  ).map(([name, action]): ToolAlias => ({ name, target: 'memory_consolidate', translate: (a) => defined({ ...a, action }) })),
];

const NOT_OFFERED = (tool: string, what: string): string => `Error: ${tool} (${what}) is a tool of the upstream Python service that this server does not offer`;

/** Upstream tools (and the old names that lead to them) this server does not offer, with the reason. */
export const UNSUPPORTED_TOOLS: ReadonlyMap<string, string> = new Map([
  ['memory_harvest', NOT_OFFERED('memory_harvest', 'session harvesting')],
  ['memory_quality', NOT_OFFERED('memory_quality', 'quality scoring')],
  ['memory_graph', NOT_OFFERED('memory_graph', 'the knowledge graph')],
  ['memory_distill', NOT_OFFERED('memory_distill', 'rewriting memories with a language model')],
  ...['memory_explore', 'memory_detail'].map((name): [string, string] => [name, NOT_OFFERED(name, "the knowledge graph's entities")]),
  // They read a path on the server; memory_ingest takes the document's content instead.
  ...['ingest_document', 'ingest_directory'].map((name): [string, string] => [
    name,
    `Error: ${name} reads a path on the server, which this server does not offer; send the document's content to memory_ingest`,
  ]),
  ...['rate_memory', 'get_memory_quality', 'analyze_quality_distribution'].map((name): [string, string] => [name, NOT_OFFERED(name, 'memory_quality')]),
  ...['find_connected_memories', 'find_shortest_path', 'get_memory_subgraph'].map((name): [string, string] => [name, NOT_OFFERED(name, 'memory_graph')]),
]);
