import { z } from 'zod';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { contentHashArgument, dateArgument, storeArgument, tagList, tagMatchArguments, tagMatchOf, tagsArgument } from './tool-arguments.js';
import { defineTool, type ToolDefinition, toolError, toolText } from './tool-registry.js';

export const memoryDeleteTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_delete',
    title: 'Delete Memories (Unified)',
    description:
      'Delete one memory by content_hash, or every memory matching tags (any/all) and/or a date window (after/before, YYYY-MM-DD). dry_run previews.',
    input: z.object({
      content_hash: contentHashArgument.optional(),
      tags: tagsArgument,
      ...tagMatchArguments,
      after: dateArgument.optional(),
      before: dateArgument.optional(),
      dry_run: z.boolean().optional(),
      store: storeArgument,
    }),
    annotations: { readOnlyHint: false, destructiveHint: true },
    async run(args, caller) {
      if (args.content_hash) {
        const hash = args.content_hash.toLowerCase();
        if (args.dry_run) {
          const exists = (await backend.get(hash, caller, args.store)) !== null;
          return toolText(`Would delete ${exists ? 1 : 0} memories\n\nWould delete ${exists ? 1 : 0} memories\nHashes: ${exists ? hash : ''}`, {
            count: exists ? 1 : 0,
            content_hashes: exists ? [hash] : [],
            dry_run: true,
          });
        }
        await backend.delete(hash, caller, args.store);
        return toolText(`Successfully deleted memory ${hash}\n\nDeleted 1 memories`, { success: true, count: 1, content_hashes: [hash], dry_run: false });
      }
      const tags = tagList(args.tags);
      if (tags.length === 0 && !args.after && !args.before) return toolError('Error: At least one filter required (content_hash, tags, before, or after)');
      const result = await backend.bulkDelete(
        {
          tags,
          tag_match: tagMatchOf(args),
          after: args.after ?? null,
          before: args.before ?? null,
          dry_run: args.dry_run === true,
          space: args.store ?? null,
        },
        caller,
      );
      const hashes = result.content_hashes;
      if (result.dry_run) {
        const listed = `${hashes.slice(0, 5).join(', ')}${hashes.length > 5 ? ` ... and ${hashes.length - 5} more` : ''}`;
        return toolText(`Would delete ${result.count} memories\n\nWould delete ${result.count} memories\nHashes: ${listed}`, { ...result });
      }
      const message =
        tags.length > 0 ? `Successfully deleted ${result.count} memories matching ${tags.length} tag(s)` : `Successfully deleted ${result.count} memories`;
      return toolText(`${message}\n\nDeleted ${result.count} memories`, { ...result });
    },
  });
