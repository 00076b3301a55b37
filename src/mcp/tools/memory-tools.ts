import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { agentSessionTools } from './agent-sessions.tool.js';
import { memoryCleanupTool } from './memory-cleanup.tool.js';
import { memoryConflictsTool, memoryResolveTool } from './memory-conflicts.tool.js';
import { memoryConsolidateTool } from './memory-consolidate.tool.js';
import { memoryDeleteTool } from './memory-delete.tool.js';
import { memoryHealthTool } from './memory-health.tool.js';
import { memoryHistoryTool } from './memory-history.tool.js';
import { memoryIngestTool } from './memory-ingest.tool.js';
import { memoryListTool } from './memory-list.tool.js';
import { memorySearchTool } from './memory-search.tool.js';
import { memoryStatsTool } from './memory-stats.tool.js';
import { memoryStoreSessionTool } from './memory-store-session.tool.js';
import { memoryStoreTool } from './memory-store.tool.js';
import { memoryUpdateTool } from './memory-update.tool.js';
import { mistakeNoteTools } from './mistake-notes.tool.js';
import { quarantineTools } from './quarantine.tool.js';
import type { ToolDefinition } from './tool-registry.js';

/** The current tool surface (upstream's memory_* names), one file per tool, all on one backend. */
export function memoryTools(backend: MemoryToolBackend): ToolDefinition[] {
  return [
    memoryStoreTool(backend),
    memoryStoreSessionTool(backend),
    memorySearchTool(backend),
    memoryListTool(backend),
    memoryDeleteTool(backend),
    memoryUpdateTool(backend),
    memoryHistoryTool(backend),
    memoryHealthTool(backend),
    memoryStatsTool(backend),
    memoryCleanupTool(),
    memoryConsolidateTool(backend),
    memoryConflictsTool(backend),
    memoryResolveTool(backend),
    memoryIngestTool(backend),
    ...mistakeNoteTools(backend),
    ...quarantineTools(backend),
    ...agentSessionTools(backend),
  ];
}
