import { z } from 'zod';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import type { RecommendationsResponse } from '../../consolidation/dto/consolidation-responses.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { contentHashArgument, countArgument, storeArgument, tagList } from './tool-arguments.js';
import { ToolInputError } from './tool-errors.js';
import { defineTool, type ToolDefinition, toolError, toolText } from './tool-registry.js';

/** Upstream's actions that run its automatic consolidator (compression, forgetting, association discovery, a schedule). */
const AUTOMATIC_ACTIONS = new Set(['run', 'scheduler', 'pause', 'resume']);

const HOW =
  'Consolidation here runs on request: action "recommend" lists groups of near-duplicates, action "merge" combines memories into one that supersedes them (history kept); memory_conflicts and memory_resolve handle two versions of one fact.';

/** The first line of a memory, short, for a listing. */
const preview = (content: string): string => {
  const line = content.split('\n', 1)[0]!;
  return line.length > 100 ? `${line.slice(0, 100)}...` : line;
};

function recommendationText(answer: RecommendationsResponse): string {
  const lines = [
    `Consolidation Recommendations for ${answer.time_horizon ?? 'all'} horizon:`,
    '',
    `Recommendation: ${answer.recommendation.toUpperCase()}`,
    `Memory Count: ${answer.memory_count}${answer.examined_all ? '' : ' (the newest; more are in the window)'}`,
    '',
    'Reasons:',
    ...answer.reasons.map((reason) => `  • ${reason}`),
  ];
  answer.clusters.forEach((cluster, i) => {
    lines.push(
      '',
      `${i + 1}. space ${cluster.space}: ${cluster.memories.length} memories, similarity ${cluster.similarity_min.toFixed(2)}-${cluster.similarity_max.toFixed(2)}`,
    );
    for (const memory of cluster.memories) lines.push(`   - ${memory.content_hash}: ${preview(memory.content)}`);
  });
  return lines.join('\n');
}

export const memoryConsolidateTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_consolidate',
    title: 'Memory Consolidation',
    description:
      'Near-duplicates, found and combined. action "recommend" (time_horizon optional: daily, weekly, monthly, quarterly, yearly) lists groups of near-duplicates per space, changing nothing; action "merge" stores merged_content as one memory that supersedes content_hashes (at least 2, one space; tags default to all of theirs, memory_type to the first one\'s), their history kept. "status" says how consolidation runs here.',
    input: z.object({
      action: z.enum(['run', 'status', 'recommend', 'scheduler', 'pause', 'resume', 'merge']),
      time_horizon: z.enum(['daily', 'weekly', 'monthly', 'quarterly', 'yearly']).optional(),
      immediate: z.boolean().optional(),
      content_hashes: z.array(contentHashArgument).max(INPUT_LIMITS.mergeSources).optional(),
      merged_content: z.string().optional(),
      tags: z.array(z.string()).optional(),
      memory_type: z.string().max(INPUT_LIMITS.memoryTypeLength).optional(),
      reason: z.string().max(INPUT_LIMITS.clientFieldLength).optional(),
      limit: countArgument(INPUT_LIMITS.consolidationExamined).optional().describe('recommend: memories examined, newest first (default 1000)'),
      store: storeArgument,
    }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async run(args, caller) {
      if (AUTOMATIC_ACTIONS.has(args.action)) {
        return toolError(`Error: action "${args.action}" (upstream's automatic, scheduled consolidator) is a feature this server does not offer. ${HOW}`);
      }
      if (args.action === 'status') return toolText(HOW, { scheduled: false, actions: ['recommend', 'merge'] });
      if (args.action === 'recommend') {
        const answer = await backend.recommendations(
          { space: args.store ?? null, time_horizon: args.time_horizon ?? null, ...(args.limit ? { limit: args.limit } : {}) },
          caller,
        );
        return toolText(recommendationText(answer), { ...answer });
      }
      if (!args.content_hashes || args.content_hashes.length < 2) throw new ToolInputError('merge needs content_hashes: at least two memories');
      if (!args.merged_content || args.merged_content.trim() === '') throw new ToolInputError('merge needs merged_content: the text of the merged memory');
      const answer = await backend.merge(
        {
          content_hashes: args.content_hashes.map((hash) => hash.toLowerCase()),
          merged_content: args.merged_content,
          ...(args.tags ? { tags: tagList(args.tags) } : {}),
          ...(args.memory_type ? { memory_type: args.memory_type } : {}),
          reason: args.reason ?? null,
          space: args.store ?? null,
        },
        caller,
      );
      return toolText(`Merged ${answer.merged_hashes.length} memories into ${answer.content_hash}; they are superseded by it (memory_history shows them).`, {
        ok: true,
        ...answer,
      });
    },
  });
