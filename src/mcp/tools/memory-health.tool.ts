import { z } from 'zod';
import { SERVICE_VERSION } from '../../common/package-info.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { defineTool, type ToolDefinition, toolText } from './tool-registry.js';
import { healthText } from './tool-text.js';

export const memoryHealthTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_health',
    title: 'Check Database Health',
    description: 'Report whether the memory database is healthy, with memory counts, size and the embedding model.',
    input: z.object({}),
    annotations: { readOnlyHint: true },
    async run(_args, caller) {
      const { text, report } = healthText(await backend.health(caller), SERVICE_VERSION);
      return toolText(text, report);
    },
  });
