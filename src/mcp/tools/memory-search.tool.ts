import { z } from 'zod';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import {
  agentIdArgument,
  dateArgument,
  queryArgument,
  resultCountArgument,
  storeArgument,
  tagList,
  tagMatchArguments,
  tagMatchOf,
  tagsArgument,
  tighter,
  timeExpressionArgument,
  timeExpressionWindow,
} from './tool-arguments.js';
import { defineTool, type ToolDefinition, toolError, toolText } from './tool-registry.js';
import { type FoundMemory, searchText, truncatedSearchText } from './tool-text.js';

/** A ranking weight: any amount from 0 (they are normalized). */
const weight = z.number().min(0).max(1000);

export const memorySearchTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_search',
    title: 'Search Memories (Unified)',
    description:
      'Find memories by a question (mode hybrid, the default: words and meaning; semantic: meaning only; keyword: words only; exact: the text as a substring; ranked: meaning, recency and use, weighed by ranking_weights), ' +
      'by time (time_expr such as "last week", or after/before dates) and by tags, in any combination. Without a query, lists the memories of that time or those tags, newest first.',
    input: z.object({
      query: queryArgument.optional(),
      mode: z.enum(['semantic', 'exact', 'hybrid', 'keyword', 'ranked']).optional(),
      ranking_weights: z
        .object({ semantic: weight, time_decay: weight, access_frequency: weight, quality: weight })
        .partial()
        .optional()
        .describe('Mode ranked: how much meaning, recency (halving every 30 days) and use count (normalized to sum 1; quality adds nothing here)'),
      time_expr: timeExpressionArgument.optional().describe('Natural-language time: "yesterday", "last week", "since March"'),
      after: dateArgument.optional().describe('YYYY-MM-DD or ISO 8601: created at or after'),
      before: dateArgument.optional().describe('YYYY-MM-DD or ISO 8601: created before'),
      tags: tagsArgument,
      ...tagMatchArguments,
      limit: resultCountArgument.optional().describe(`How many (1-${INPUT_LIMITS.results}, default 10)`),
      n_results: resultCountArgument.optional().describe('The same as limit (older clients)'),
      similarity_threshold: z.number().min(0).max(1).optional(),
      quality_boost: z.number().min(0).max(1).optional().describe('Not supported here (no quality scores): must be 0 or absent'),
      include_debug: z.boolean().optional(),
      max_response_chars: z.number().min(0).optional().describe('Trim the reply at memory boundaries to about this many characters'),
      include_superseded: z.boolean().optional().describe('Superseded versions too (default false: current versions only)'),
      entity: z.string().optional().describe('Not supported here (no knowledge graph)'),
      summarize: z.boolean().optional().describe('Not supported here (needs a language model): must be false or absent'),
      include_beliefs: z.boolean().optional().describe('Not supported here (no beliefs are kept): must be false or absent'),
      fallback: z.boolean().optional().describe('With fewer than 3 results, add exact and tag matches'),
      store: storeArgument,
      agent_id: agentIdArgument.describe('Only memories of this agent (metadata.agent_id, or the tag agent:<id>)'),
    }),
    annotations: { readOnlyHint: true },
    async run(args, caller) {
      if (args.quality_boost)
        return toolError('Error: quality_boost is not supported by this server (it keeps no quality scores); leave it out or set it to 0');
      if (args.entity) return toolError("Error: entity filters need upstream's knowledge graph, which this server does not have");
      if (args.summarize) return toolError('Error: summarize needs a language model, which this server does not have; leave it out or set it to false');
      if (args.include_beliefs)
        return toolError("Error: include_beliefs needs upstream's beliefs, which this server does not keep; leave it out or set it to false");
      const window = args.time_expr ? timeExpressionWindow(args.time_expr) : null;
      const after = tighter(window?.after, args.after, 'later');
      const before = tighter(window?.before, args.before, 'earlier');
      const tags = tagList(args.tags);
      const tagMatch = tagMatchOf(args);
      const limit = args.limit ?? args.n_results ?? 10;
      const query = args.query?.trim() ? args.query : null;
      if (query === null && !after && !before && tags.length === 0) {
        return toolError('Error: At least one filter required (query, time_expr, after, before, or tags)');
      }
      let found: FoundMemory[];
      let mode: string;
      let fallback = false;
      if (query === null) {
        const page = await backend.list(
          {
            page: 1,
            page_size: limit,
            tags,
            tag_match: tagMatch,
            after,
            before,
            space: args.store ?? null,
            agent_id: args.agent_id ?? null,
            include_superseded: args.include_superseded === true,
          },
          caller,
        );
        found = page.memories.map((memory) => ({ memory, similarity_score: 1, relevance_reason: 'filters' }));
        mode = args.mode ?? 'filter';
      } else {
        const answer = await backend.search(
          {
            query,
            mode: args.mode,
            n_results: limit,
            similarity_threshold: args.similarity_threshold ?? null,
            tags,
            tag_match: tagMatch,
            after,
            before,
            ...(args.fallback ? { fallback: true } : {}),
            space: args.store ?? null,
            agent_id: args.agent_id ?? null,
            include_superseded: args.include_superseded === true,
            ...(args.ranking_weights ? { ranking_weights: args.ranking_weights } : {}),
          },
          caller,
        );
        found = answer.results.map((r) => ({
          memory: r.memory,
          similarity_score: r.similarity_score,
          relevance_reason: r.relevance_reason,
          ...(r.match_method === undefined ? {} : { match_method: r.match_method }),
          ...(r.matched_passage === undefined ? {} : { matched_passage: r.matched_passage }),
        }));
        mode = answer.search_type;
        fallback = answer.fallback_used === true;
      }
      const header = { mode, query, fallback };
      const maxChars = Math.floor(args.max_response_chars ?? 0);
      let text = maxChars > 0 ? truncatedSearchText(found, header, maxChars) : searchText(found, header);
      if (args.include_debug) {
        text += `\n\nDebug Info:\n  Results: ${found.length}\n  Mode: ${mode}\n  Quality boost: 0\n  Time expression: ${args.time_expr ?? 'none'}\n  Time range: ${after ?? '-'} to ${before ?? '-'}\n  Tags: ${tags.join(', ') || 'none'} (${tagMatch})`;
      }
      return toolText(text, { results: found, total_found: found.length, mode, query });
    },
  });
