/** upstream's core tools (v10.59), its consolidation and conflict tools (v11) and this server's memory_history: what every MCP entry point offers. */
export const CURRENT_TOOLS = [
  'memory_cleanup',
  'memory_conflicts',
  'memory_consolidate',
  'memory_delete',
  'memory_health',
  'memory_history',
  'memory_list',
  'memory_resolve',
  'memory_search',
  'memory_stats',
  'memory_store',
  'memory_store_session',
  'memory_update',
];
