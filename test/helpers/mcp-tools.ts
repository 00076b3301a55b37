/** upstream's current core tools (v10.59) and this server's memory_history: what every MCP entry point offers. */
export const CURRENT_TOOLS = [
  'memory_cleanup',
  'memory_delete',
  'memory_health',
  'memory_history',
  'memory_list',
  'memory_search',
  'memory_stats',
  'memory_store',
  'memory_store_session',
  'memory_update',
];
