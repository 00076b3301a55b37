import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { metadataArgument, storeArgument, tagList, tagsArgument } from './tool-arguments.js';
import { defineTool, type ToolDefinition, toolError, toolText } from './tool-registry.js';

/** A session longer than this is stored in chunks of whole turns (upstream's SESSION_CHUNK_SIZE). */
const SESSION_CHUNK_CHARS = 1500;

export const memoryStoreSessionTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_store_session',
    title: 'Store Session',
    description: 'Store a conversation as one memory ("[role] content" lines), tagged session:<id>; long sessions are split on whole turns.',
    input: z.object({
      turns: z.array(z.object({ role: z.string().max(64), content: z.string() })).min(1, 'turns is required and must be non-empty'),
      session_id: z.string().max(128).optional(),
      tags: tagsArgument,
      metadata: metadataArgument().optional(),
      store: storeArgument,
    }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async run(args, caller) {
      const lines = args.turns.filter((t) => t.content.trim() !== '').map((t) => `[${t.role}] ${t.content}`);
      if (lines.length === 0) return toolError('Error: all turns have empty content');
      const sessionId = args.session_id || randomUUID();
      const chunks: string[][] = [[]];
      for (const line of lines) {
        const current = chunks.at(-1)!;
        if (current.length > 0 && [...current, line].join('\n').length > SESSION_CHUNK_CHARS) chunks.push([line]);
        else current.push(line);
      }
      const hashes: string[] = [];
      for (const [i, chunk] of chunks.entries()) {
        const outcome = await backend.store(
          {
            content: chunk.join('\n'),
            tags: [`session:${sessionId}`, ...tagList(args.tags), ...(chunks.length > 1 ? [`chunk:${i + 1}/${chunks.length}`] : [])],
            memory_type: 'session',
            metadata: { ...(args.metadata ?? {}), session_id: sessionId },
            space: args.store ?? null,
          },
          caller,
        );
        hashes.push(outcome.content_hash);
      }
      const text =
        chunks.length === 1
          ? `Session stored successfully (session_id: ${sessionId}, hash: ${hashes[0]}, turns: ${lines.length})`
          : `Session stored successfully (session_id: ${sessionId}, chunks: ${chunks.length}/${chunks.length}, turns: ${lines.length})`;
      return toolText(text, { session_id: sessionId, content_hashes: hashes, turns: lines.length });
    },
  });
