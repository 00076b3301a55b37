import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { MemoryResponse } from '../memories/dto/memory.response.js';
import type { MemoryToolBackend, ScoredMemory } from './memory-tool-backend.js';
import { INPUT_LIMITS, MAX_QUERY_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, MAX_TIME_PHRASE_LENGTH } from '../common/input-limits.js';

const contentHash = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'a content_hash is 64 hexadecimal characters')
  .transform((hash) => hash.toLowerCase())
  .describe('The SHA-256 content hash that store_memory returned');
const nResults = (fallback: number) =>
  z.number().int().min(1).max(INPUT_LIMITS.results).default(fallback).describe(`How many memories to return (1-${INPUT_LIMITS.results}, default ${fallback})`);

function describeMemory(memory: MemoryResponse): string {
  const tags = memory.tags.length > 0 ? ` [tags: ${memory.tags.join(', ')}]` : '';
  const type = memory.memory_type ? ` (${memory.memory_type})` : '';
  return `${memory.content}${type}${tags}\n   hash ${memory.content_hash}, stored ${memory.created_at_iso}`;
}

function resultList(title: string, results: ScoredMemory[], withScores: boolean): CallToolResult {
  const lines = results.map((r, i) => `${i + 1}. ${withScores ? `[similarity ${r.similarity_score.toFixed(3)}] ` : ''}${describeMemory(r.memory)}`);
  const text = results.length === 0 ? `${title}: no memories found.` : `${title}: ${results.length} memories\n${lines.join('\n')}`;
  return { content: [{ type: 'text', text }], structuredContent: { results, total_found: results.length } };
}

function ok(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** Any failure becomes a tool error the model can read, never a protocol error. */
async function guarded(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    return { isError: true, content: [{ type: 'text', text: `Error: ${(error as Error).message}` }] };
  }
}

/** The one tool set, registered on any MCP server (stdio, Streamable HTTP, bridge). */
export function registerMemoryTools(server: McpServer, backend: MemoryToolBackend): void {
  server.registerTool(
    'store_memory',
    {
      title: 'Store memory',
      description: 'Save a piece of information to long-term memory so it can be recalled later by meaning, tag or time. Storing identical content twice is reported as a duplicate.',
      inputSchema: {
        content: z.string().min(1).describe('The text to remember'),
        tags: z.array(z.string().max(MAX_TAG_LENGTH)).max(MAX_TAGS).optional().describe('Labels for later filtering, e.g. ["project-x", "decision"]'),
        memory_type: z.string().max(INPUT_LIMITS.memoryTypeLength).optional().describe('A kind such as note, decision, task, reference'),
        metadata: z.record(z.string(), z.unknown()).optional().describe('Any extra JSON fields to keep with the memory'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    },
    (args) =>
      guarded(async () => {
        const outcome = await backend.store(args);
        const text = outcome.success
          ? `Stored memory ${outcome.content_hash}${outcome.memory?.tags.length ? ` with tags ${outcome.memory.tags.join(', ')}` : ''}.`
          : `Not stored: the same content already exists (hash ${outcome.content_hash}).`;
        return ok(text, { ...outcome });
      }),
  );

  server.registerTool(
    'retrieve_memory',
    {
      title: 'Retrieve memories by meaning',
      description:
        'Search memories by a question or phrase, best first: by default both the words (exact identifiers, names, codes) and the meaning count (hybrid); mode semantic uses meaning only, keyword words only. Each result has a similarity score between 0 and 1.',
      inputSchema: {
        query: z.string().min(1).max(MAX_QUERY_LENGTH).describe('What to look for, in plain words'),
        n_results: nResults(5),
        similarity_threshold: z.number().min(0).max(1).optional().describe('Leave out memories scoring below this (0-1)'),
        mode: z.enum(['hybrid', 'semantic', 'keyword']).optional().describe('hybrid (default): words and meaning; semantic: meaning only; keyword: words only'),
      },
      annotations: { readOnlyHint: true },
    },
    ({ query, n_results, similarity_threshold, mode }) =>
      guarded(async () => resultList(`Memories matching "${query}"`, await backend.retrieve(query, n_results, similarity_threshold, mode), mode !== 'keyword')),
  );

  server.registerTool(
    'search_by_tag',
    {
      title: 'Search memories by tag',
      description: 'Find memories carrying any of the given tags (or all of them with match_all), newest first.',
      inputSchema: {
        tags: z.array(z.string().max(MAX_TAG_LENGTH)).min(1).max(MAX_TAGS).describe('Tags to look for'),
        match_all: z.boolean().default(false).describe('Require every tag instead of any'),
      },
      annotations: { readOnlyHint: true },
    },
    ({ tags, match_all }) => guarded(async () => resultList(`Memories tagged ${tags.join(match_all ? ' and ' : ' or ')}`, await backend.searchByTag(tags, match_all), false)),
  );

  server.registerTool(
    'recall_memory',
    {
      title: 'Recall memories by time',
      description: 'Recall memories from a time described in natural language ("yesterday", "last week", "3 days ago", "since March"), optionally ranked by a semantic query.',
      inputSchema: {
        query: z.string().trim().min(1).max(MAX_TIME_PHRASE_LENGTH).describe('When: a natural-language time expression'),
        semantic_query: z.string().max(MAX_QUERY_LENGTH).optional().describe('Optional: rank the memories from that time by this meaning'),
        n_results: nResults(10),
      },
      annotations: { readOnlyHint: true },
    },
    ({ query, semantic_query, n_results }) =>
      guarded(async () => resultList(`Memories from "${query}"`, await backend.recall(query, semantic_query, n_results), semantic_query !== undefined)),
  );

  server.registerTool(
    'delete_memory',
    {
      title: 'Delete memory',
      description: 'Delete one memory by its content hash.',
      inputSchema: { content_hash: contentHash },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    },
    ({ content_hash }) =>
      guarded(async () => {
        await backend.delete(content_hash);
        return ok(`Deleted memory ${content_hash}.`, { success: true, content_hash });
      }),
  );

  server.registerTool(
    'list_memories',
    {
      title: 'List memories',
      description: 'List stored memories page by page, newest first, optionally only those with a tag or type.',
      inputSchema: {
        page: z.number().int().min(1).default(1).describe('Page number, from 1'),
        page_size: z.number().int().min(1).max(INPUT_LIMITS.pageSize).default(10).describe(`Memories per page (1-${INPUT_LIMITS.pageSize})`),
        tag: z.string().max(MAX_TAGS * (MAX_TAG_LENGTH + 1)).optional().describe('Only memories with this tag (comma-separate several: any matches)'),
        memory_type: z.string().max(INPUT_LIMITS.memoryTypeLength).optional().describe('Only memories of this type'),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      guarded(async () => {
        const page = await backend.list(args);
        const lines = page.memories.map((m, i) => `${(page.page - 1) * page.page_size + i + 1}. ${describeMemory(m)}`);
        const header = `Page ${page.page} of memories (${page.total} in all${page.has_more ? ', more on the next page' : ''})`;
        return ok(page.memories.length === 0 ? `${header}: none.` : `${header}:\n${lines.join('\n')}`, { ...page });
      }),
  );

  server.registerTool(
    'check_database_health',
    {
      title: 'Check database health',
      description: 'Report whether the memory database is healthy, with memory and tag counts, size and embedding model.',
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    () =>
      guarded(async () => {
        const health = await backend.health();
        const stats = (health.statistics ?? {}) as Record<string, unknown>;
        return ok(
          `Database ${String(health.status)}: ${String(stats.total_memories ?? '?')} memories, ${String(stats.total_tags ?? '?')} tags, model ${String(health.embedding_model ?? '?')}.`,
          health,
        );
      }),
  );
}
