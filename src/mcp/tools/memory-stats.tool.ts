import { z } from 'zod';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { defineTool, type ToolDefinition, toolText } from './tool-registry.js';
import { statsReport } from './tool-text.js';

export const memoryStatsTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_stats',
    title: 'Get Cache Stats',
    description: 'Cache statistics of the server (the query-embedding cache) and its backend.',
    input: z.object({}),
    annotations: { readOnlyHint: true },
    async run(_args, caller) {
      const report = statsReport(await backend.health(caller));
      return toolText(JSON.stringify(report, null, 2), report);
    },
  });

/** Upstream's duplicate cleanup: a content hash is unique here, so there is never anything to remove. */
