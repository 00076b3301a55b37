import { z } from 'zod';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { agentIdArgument, countArgument, storeArgument, tagList, tagMatchArguments, tagMatchOf, tagsArgument } from './tool-arguments.js';
import { defineTool, type ToolDefinition, toolText } from './tool-registry.js';

export const memoryListTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_list',
    title: 'List Memories',
    description: 'List memories page by page, newest first, optionally only those with tags (any/all), of a type, or older than stale_days.',
    input: z.object({
      page: z.number().int().min(1).max(1_000_000).optional(),
      page_size: countArgument(INPUT_LIMITS.pageSize).optional().describe(`1-${INPUT_LIMITS.pageSize}, default 20`),
      tags: tagsArgument,
      tag: tagsArgument.describe('Older clients: one tag or "a,b"'),
      ...tagMatchArguments,
      memory_type: z.string().max(INPUT_LIMITS.memoryTypeLength).optional(),
      stale_days: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .optional()
        .describe('Only memories no search or read returned for more than N days (never returned: created more than N days ago)'),
      store: storeArgument,
      agent_id: agentIdArgument.describe('Only memories of this agent (metadata.agent_id, or the tag agent:<id>)'),
      include_superseded: z.boolean().optional().describe('Superseded versions too (default false: current versions only)'),
    }),
    annotations: { readOnlyHint: true },
    async run(args, caller) {
      const page = args.page ?? 1;
      const pageSize = args.page_size ?? 20;
      const tags = [...new Set([...tagList(args.tags), ...tagList(args.tag)])];
      const result = await backend.list(
        {
          page,
          page_size: pageSize,
          tags,
          tag_match: tagMatchOf(args),
          ...(args.memory_type ? { memory_type: args.memory_type } : {}),
          ...(args.stale_days ? { stale_days: args.stale_days } : {}),
          space: args.store ?? null,
          agent_id: args.agent_id ?? null,
          include_superseded: args.include_superseded === true,
        },
        caller,
      );
      const report = {
        memories: result.memories,
        page,
        page_size: pageSize,
        total: result.total,
        total_pages: Math.ceil(result.total / pageSize),
        has_more: result.has_more,
      };
      return toolText(JSON.stringify(report, null, 2), report);
    },
  });
