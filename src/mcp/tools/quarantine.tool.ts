import { z } from 'zod';
import type { MemoryResponse } from '../../memories/dto/memory.response.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { contentHashArgument, countArgument, storeArgument } from './tool-arguments.js';
import { defineTool, type ToolDefinition, toolError, toolText } from './tool-registry.js';

/** upstream's mark: the tag `quarantined` and `metadata.quarantined: true`. */
const QUARANTINED = 'quarantined';
const PAGE = 100;

const isQuarantined = (memory: MemoryResponse): boolean => memory.metadata.quarantined === true;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * upstream holds back memories that contradict one of its (model-backed) beliefs: tagged
 * `quarantined`, with the reason in their metadata. This server quarantines nothing by itself, but
 * memories imported from an upstream database, or marked so by a client, keep the mark; these
 * tools list them and release them.
 */
export function quarantineTools(backend: MemoryToolBackend): ToolDefinition[] {
  const list = defineTool({
    name: 'get_quarantined_memories',
    title: 'Get Quarantined Memories',
    description: 'Memories held in quarantine (tag quarantined with metadata.quarantined true), each with the reason it was held.',
    input: z.object({ limit: countArgument(1_000).optional(), store: storeArgument }),
    annotations: { readOnlyHint: true },
    async run(args, caller) {
      const limit = args.limit ?? 50;
      const held: MemoryResponse[] = [];
      for (let page = 1; held.length < limit; page++) {
        const { memories, has_more: more } = await backend.list({ page, page_size: PAGE, tags: [QUARANTINED], space: args.store ?? null }, caller);
        held.push(...memories.filter(isQuarantined));
        if (!more) break;
      }
      const quarantined = held.slice(0, limit).map((memory) => ({
        content_hash: memory.content_hash,
        content: memory.content.slice(0, 200),
        contradicted_belief: text(memory.metadata.contradicted_belief),
        contradicted_memory: text(memory.metadata.contradicted_memory),
        quarantined_at: text(memory.metadata.quarantined_at),
        reason: text(memory.metadata.quarantine_reason) ?? '',
      }));
      const result = { quarantined, count: quarantined.length };
      return toolText(JSON.stringify(result, null, 2), result);
    },
  });

  const release = defineTool({
    name: 'unquarantine_memory',
    title: 'Unquarantine Memory',
    description: 'Release a memory from quarantine: metadata.quarantined becomes false and the tag quarantined is removed.',
    input: z.object({ content_hash: contentHashArgument, store: storeArgument }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async run(args, caller) {
      const hash = args.content_hash.toLowerCase();
      const memory = await backend.get(hash, caller, args.store);
      if (memory === null) return toolError(`Error: Memory with hash ${hash} not found`);
      await backend.update(
        hash,
        {
          tags: memory.tags.filter((tag) => tag !== QUARANTINED),
          metadata: { quarantined: false, unquarantined_at: new Date().toISOString() },
          preserve_timestamps: true,
          space: memory.space,
        },
        caller,
      );
      const result = { status: 'unquarantined', content_hash: hash, was_quarantined: isQuarantined(memory) };
      return toolText(JSON.stringify(result, null, 2), result);
    },
  });

  return [list, release];
}
