import { z } from 'zod';
import { MemoryNotFoundError } from '../../common/domain-errors.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { contentHashArgument, storeArgument } from './tool-arguments.js';
import { defineTool, type ToolDefinition, toolText } from './tool-registry.js';

/** This server's own tool (upstream has none): the versions of a memory made by versioned updates. */
export const memoryHistoryTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_history',
    title: 'Memory History',
    description: 'Every version of a memory (versioned memory_update), oldest first: which one is current, and why each changed (evolution_reason).',
    input: z.object({ content_hash: contentHashArgument, store: storeArgument }),
    annotations: { readOnlyHint: true },
    async run(args, caller) {
      const hash = args.content_hash.toLowerCase();
      const history = await backend.history(hash, caller, args.store);
      if (history.versions.length === 0) throw new MemoryNotFoundError(hash);
      const lines = history.versions.map(
        (v, i) =>
          `${i + 1}. ${v.content_hash}${v.superseded_by === null ? ' (current)' : ''} ${v.created_at_iso}` +
          `${typeof v.metadata.evolution_reason === 'string' ? ` - ${v.metadata.evolution_reason}` : ''}\n   ${v.content.slice(0, 200)}`,
      );
      return toolText(`${history.versions.length} version(s) in space ${history.space}:\n${lines.join('\n')}`, { ...history });
    },
  });
