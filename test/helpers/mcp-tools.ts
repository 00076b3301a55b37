/** upstream's current core tools (v10.59), the ones every MCP entry point of this server offers. */
export const CURRENT_TOOLS = [
  'memory_cleanup',
  'memory_delete',
  'memory_health',
  'memory_list',
  'memory_search',
  'memory_stats',
  'memory_store',
  'memory_store_session',
  'memory_update',
];
