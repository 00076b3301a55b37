import { z } from 'zod';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { metadataArgument, storeArgument, tagList, tagsArgument } from './tool-arguments.js';
import { defineTool, type ToolDefinition, toolText } from './tool-registry.js';

export const memoryStoreSessionTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_store_session',
    title: 'Store Session',
    description:
      'Store a conversation as one memory ("[role] content" lines), tagged session:<id>; long sessions are split on whole turns. Each turn is also kept as a memory of its own (type session_turn, unless the server is set otherwise), so a search finds what was said.',
    input: z.object({
      turns: z.array(z.object({ role: z.string().max(64), content: z.string() })).min(1, 'turns is required and must be non-empty'),
      session_id: z.string().max(128).optional(),
      tags: tagsArgument,
      metadata: metadataArgument().optional(),
      store: storeArgument,
    }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async run(args, caller) {
      const stored = await backend.storeSession(
        { turns: args.turns, session_id: args.session_id ?? null, tags: tagList(args.tags), metadata: args.metadata ?? {}, space: args.store ?? null },
        caller,
      );
      const chunks = stored.content_hashes.length;
      const text =
        chunks === 1
          ? `Session stored successfully (session_id: ${stored.session_id}, hash: ${stored.content_hash}, turns: ${stored.turn_count})`
          : `Session stored successfully (session_id: ${stored.session_id}, chunks: ${chunks}/${chunks}, turns: ${stored.turn_count})`;
      return toolText(text, {
        session_id: stored.session_id,
        content_hashes: stored.content_hashes,
        turn_hashes: stored.turn_hashes,
        turns: stored.turn_count,
      });
    },
  });
