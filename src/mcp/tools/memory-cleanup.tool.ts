import { z } from 'zod';
import { defineTool, type ToolDefinition, toolText } from './tool-registry.js';

/** Upstream's duplicate cleanup: a content hash is unique here, so there is never anything to remove. */
export const memoryCleanupTool = (): ToolDefinition =>
  defineTool({
    name: 'memory_cleanup',
    title: 'Cleanup Duplicates',
    description: 'Remove duplicate memories. A content hash is unique here, so there are never any.',
    input: z.object({}),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    async run() {
      return toolText('No duplicate memories found', { count: 0 });
    },
  });
