import { z } from 'zod';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { agentIdArgument, metadataArgument, storeArgument, tagList, tagsArgument } from './tool-arguments.js';
import { ToolInputError } from './tool-errors.js';
import { defineTool, type ToolDefinition, toolText } from './tool-registry.js';

/** upstream's memory_store reads tags and type from metadata; top-level tags and memory_type are honoured too. */
function storeArguments(args: { metadata?: Record<string, unknown>; tags?: string | string[]; memory_type?: string }) {
  const { tags: metadataTags, type: metadataType, ...metadata } = args.metadata ?? {};
  if (metadataTags !== undefined && metadataTags !== null && typeof metadataTags !== 'string' && !Array.isArray(metadataTags)) {
    throw new ToolInputError('metadata.tags must be a list of strings or a comma-separated string');
  }
  if (metadataType !== undefined && metadataType !== null && typeof metadataType !== 'string') throw new ToolInputError('metadata.type must be a string');
  const tags = [...tagList(args.tags), ...tagList(metadataTags as string | string[] | null | undefined)];
  return { tags: [...new Set(tags)], memoryType: args.memory_type ?? (metadataType as string | undefined) ?? null, metadata };
}

export const memoryStoreTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_store',
    title: 'Store Memory',
    description:
      'Save information to long-term memory so it can be found later by words, meaning, tag or time. Tags and type go in metadata ' +
      '(metadata.tags as a list or "a,b"; metadata.type), or as top-level tags / memory_type. Storing identical content again is reported as a duplicate.',
    input: z.object({
      content: z.string().min(1, 'Content is required'),
      metadata: metadataArgument().optional().describe('Any JSON; tags and type are read from here'),
      tags: tagsArgument,
      memory_type: z.string().max(INPUT_LIMITS.memoryTypeLength).optional(),
      conversation_id: z.string().max(INPUT_LIMITS.clientFieldLength).optional(),
      client_hostname: z.string().max(INPUT_LIMITS.clientFieldLength).optional(),
      created_at: z
        .union([z.number(), z.string().max(64)])
        .optional()
        .describe('When it really happened (epoch seconds or ISO 8601), for replayed history; default now'),
      store: storeArgument,
      agent_id: agentIdArgument.describe('The agent storing it: recorded as metadata.agent_id and tag agent:<id>'),
      expires_at: z
        .union([z.number(), z.string().max(64)])
        .optional()
        .describe('When it expires (epoch seconds or ISO 8601): from then on it is left out of every read, and purged'),
      ttl_seconds: z.number().int().min(1).optional().describe('Expires this many seconds from now (instead of expires_at)'),
      supersede_similar: z.boolean().optional().describe('When a near-duplicate is in the space, store this as its new version instead of beside it'),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async run(args, caller) {
      const { tags, memoryType, metadata } = storeArguments(args);
      const outcome = await backend.store(
        {
          content: args.content,
          tags,
          memory_type: memoryType,
          metadata,
          conversation_id: args.conversation_id ?? null,
          client_hostname: args.client_hostname ?? null,
          ...(args.created_at === undefined ? {} : { created_at: args.created_at }),
          space: args.store ?? null,
          agent_id: args.agent_id ?? null,
          expires_at: args.expires_at ?? null,
          ttl_seconds: args.ttl_seconds ?? null,
          ...(args.supersede_similar ? { supersede_similar: true } : {}),
        },
        caller,
      );
      const similar = (outcome.similar ?? []).map((s) => `${s.content_hash} (${s.similarity.toFixed(2)})`);
      const text = outcome.success
        ? `Memory stored successfully (hash: ${outcome.content_hash})` +
          (outcome.superseded
            ? `; it supersedes the near-duplicate ${outcome.superseded}`
            : similar.length > 0
              ? `; similar memories: ${similar.join(', ')}`
              : '')
        : `Duplicate content detected (exact match): already stored (hash: ${outcome.content_hash})`;
      return toolText(text, { ...outcome });
    },
  });
