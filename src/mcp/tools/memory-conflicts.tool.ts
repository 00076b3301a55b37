import { z } from 'zod';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { contentHashArgument, countArgument, storeArgument } from './tool-arguments.js';
import { defineTool, type ToolDefinition, toolText } from './tool-registry.js';

export const memoryConflictsTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_conflicts',
    title: 'Memory Conflicts',
    description:
      'Pairs of memories of one space that look like two versions of one fact: close in meaning, and each says something the other does not (the words are listed). Keep one with memory_resolve, or combine them with memory_consolidate action "merge".',
    input: z.object({
      store: storeArgument,
      limit: countArgument(INPUT_LIMITS.consolidationExamined).optional().describe('Memories examined, newest first (default 1000)'),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false },
    async run(args, caller) {
      const answer = await backend.conflicts({ space: args.store ?? null, ...(args.limit ? { limit: args.limit } : {}) }, caller);
      if (answer.total === 0) return toolText(`No conflicts among the ${answer.memory_count} memories examined.`, { ...answer });
      const lines = answer.conflicts.map(
        (c, i) =>
          `${i + 1}. space ${c.space}, similarity ${c.similarity.toFixed(2)}\n` +
          `   newer ${c.memory_a.content_hash}: ${c.memory_a.content.slice(0, 200)}\n` +
          `   older ${c.memory_b.content_hash}: ${c.memory_b.content.slice(0, 200)}\n` +
          `   only in the newer: ${c.only_in_a.join(', ')}; only in the older: ${c.only_in_b.join(', ')}`,
      );
      return toolText(`${answer.total} conflict(s) among the ${answer.memory_count} memories examined:\n${lines.join('\n')}`, { ...answer });
    },
  });

export const memoryResolveTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_resolve',
    title: 'Resolve Memory Conflict',
    description:
      'Resolve a conflict: keep winner_hash as it is; loser_hash (same space) is superseded by it, hidden from searches and lists and kept in memory_history.',
    input: z.object({ winner_hash: contentHashArgument, loser_hash: contentHashArgument, store: storeArgument }),
    annotations: { readOnlyHint: false, destructiveHint: true },
    async run(args, caller) {
      const answer = await backend.resolve(
        { winner_hash: args.winner_hash.toLowerCase(), loser_hash: args.loser_hash.toLowerCase(), space: args.store ?? null },
        caller,
      );
      return toolText(answer.message, { ...answer });
    },
  });
