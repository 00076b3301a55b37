import { z } from 'zod';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { contentHashArgument, metadataArgument, storeArgument, tagList } from './tool-arguments.js';
import { ToolInputError } from './tool-errors.js';
import { defineTool, type ToolDefinition, toolText } from './tool-registry.js';

/** Metadata keys memory_update never writes (upstream protects them). */
const PROTECTED_KEYS = new Set(['content', 'content_hash', 'embedding', 'created_at', 'created_at_iso', 'updated_at', 'updated_at_iso']);

export const memoryUpdateTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_update',
    title: 'Update Memory Metadata',
    description:
      "Change a memory's tags (replaced), memory_type or metadata (merged; other keys in updates become metadata keys). versioned=true with updates.content (and updates.reason) stores the next version: the old one is superseded (hidden from searches and lists, kept in memory_history).",
    input: z.object({
      content_hash: contentHashArgument,
      updates: metadataArgument(1),
      preserve_timestamps: z.boolean().optional(),
      versioned: z.boolean().optional(),
      store: storeArgument,
    }),
    annotations: { readOnlyHint: false, destructiveHint: true },
    async run(args, caller) {
      const hash = args.content_hash.toLowerCase();
      const current = await backend.get(hash, caller, args.store);
      if (current === null) return toolText(`Failed to update memory metadata: Memory with hash ${hash} not found`, { success: false, content_hash: hash });
      const { tags, memory_type: memoryType, metadata, content, reason, ...rest } = args.updates;
      if (args.versioned) {
        if (typeof content !== 'string' || content.trim() === '') throw new ToolInputError('versioned=true needs updates.content, the new text');
        const { memory, previous_hash: parentHash } = await backend.newVersion(
          hash,
          {
            content,
            reason: typeof reason === 'string' ? reason : null,
            ...(tags !== undefined ? { tags: tagList(tags as string | string[] | null) } : {}),
            ...(typeof memoryType === 'string' && memoryType ? { memory_type: memoryType } : {}),
            space: current.space,
          },
          caller,
        );
        return toolText(`Versioned update successful. New hash: ${memory.content_hash}, parent hash: ${parentHash}. Memory versioned successfully`, {
          success: true,
          content_hash: memory.content_hash,
          parent_hash: parentHash,
          memory,
        });
      }
      if (memoryType !== undefined && memoryType !== null && typeof memoryType !== 'string') throw new ToolInputError('updates.memory_type must be a string');
      if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata)))
        throw new ToolInputError('updates.metadata must be an object');
      const extra = Object.fromEntries(Object.entries(rest).filter(([key]) => !PROTECTED_KEYS.has(key)));
      const mergedMetadata = { ...((metadata as Record<string, unknown> | null | undefined) ?? {}), ...extra };
      const fields = [
        ...(tags !== undefined ? ['tags'] : []),
        ...(memoryType ? ['memory_type'] : []),
        ...(Object.keys(mergedMetadata).length > 0 ? ['metadata'] : []),
      ];
      if (fields.length === 0) throw new ToolInputError('updates has nothing to change (tags, memory_type, metadata or other metadata keys)');
      const updated = await backend.update(
        hash,
        {
          ...(tags !== undefined ? { tags: tagList(tags as string | string[] | null) } : {}),
          ...(memoryType ? { memory_type: memoryType as string } : {}),
          ...(Object.keys(mergedMetadata).length > 0 ? { metadata: mergedMetadata } : {}),
          preserve_timestamps: args.preserve_timestamps !== false,
          space: current.space,
        },
        caller,
      );
      const moved = updated.updated_at !== current.updated_at;
      return toolText(`Successfully updated memory metadata. Updated fields: ${[...fields, ...(moved ? ['updated_at'] : [])].join(', ')}`, {
        success: true,
        content_hash: hash,
        memory: updated,
      });
    },
  });
