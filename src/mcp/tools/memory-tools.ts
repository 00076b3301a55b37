import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import { SERVICE_VERSION } from '../../common/package-info.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import {
  countArgument,
  dateArgument,
  queryArgument,
  resultCountArgument,
  tagList,
  tagMatchArguments,
  tagMatchOf,
  tagsArgument,
  tighter,
  timeExpressionArgument,
  timeExpressionWindow,
} from './tool-arguments.js';
import { ToolInputError } from './tool-errors.js';
import { type ToolDefinition, toolError, toolText } from './tool-registry.js';
import { type FoundMemory, healthText, searchText, statsReport, truncatedSearchText } from './tool-text.js';

/** A session longer than this is stored in chunks of whole turns (upstream's SESSION_CHUNK_SIZE). */
const SESSION_CHUNK_CHARS = 1500;
/** Metadata keys memory_update never writes (upstream protects them). */
const PROTECTED_KEYS = new Set(['content', 'content_hash', 'embedding', 'created_at', 'created_at_iso', 'updated_at', 'updated_at_iso']);

/** upstream's memory_store reads tags and type from metadata; top-level tags and memory_type are honoured too. */
function storeArguments(args: { metadata?: Record<string, unknown> | null; tags?: string | string[] | null; memory_type?: string | null }) {
  const { tags: metadataTags, type: metadataType, ...metadata } = args.metadata ?? {};
  if (metadataTags !== undefined && metadataTags !== null && typeof metadataTags !== 'string' && !Array.isArray(metadataTags)) {
    throw new ToolInputError('metadata.tags must be a list of strings or a comma-separated string');
  }
  if (metadataType !== undefined && metadataType !== null && typeof metadataType !== 'string') throw new ToolInputError('metadata.type must be a string');
  const tags = [...tagList(args.tags), ...tagList(metadataTags as string | string[] | null | undefined)];
  return { tags: [...new Set(tags)], memoryType: args.memory_type ?? (metadataType as string | undefined) ?? null, metadata };
}

export function memoryTools(backend: MemoryToolBackend): ToolDefinition[] {
  const store: ToolDefinition = {
    name: 'memory_store',
    title: 'Store Memory',
    description:
      'Save information to long-term memory so it can be found later by words, meaning, tag or time. Tags and type go in metadata ' +
      '(metadata.tags as a list or "a,b"; metadata.type), or as top-level tags / memory_type. Storing identical content again is reported as a duplicate.',
    input: z.object({
      content: z.string().min(1, 'Content is required'),
      metadata: z.record(z.string(), z.unknown()).optional().describe('Any JSON; tags and type are read from here'),
      tags: tagsArgument,
      memory_type: z.string().max(INPUT_LIMITS.memoryTypeLength).optional(),
      conversation_id: z.string().max(INPUT_LIMITS.clientFieldLength).optional(),
      client_hostname: z.string().max(INPUT_LIMITS.clientFieldLength).optional(),
      created_at: z
        .union([z.number(), z.string().max(64)])
        .optional()
        .describe('When it really happened (epoch seconds or ISO 8601), for replayed history; default now'),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async run(args, { actor }) {
      const a = args as {
        created_at?: number | string;
        content: string;
        metadata?: Record<string, unknown> | null;
        tags?: string | string[] | null;
        memory_type?: string | null;
        conversation_id?: string | null;
        client_hostname?: string | null;
      };
      const { tags, memoryType, metadata } = storeArguments(a);
      const outcome = await backend.store(
        {
          content: a.content,
          tags,
          memory_type: memoryType,
          metadata,
          conversation_id: a.conversation_id ?? null,
          client_hostname: a.client_hostname ?? null,
          ...(a.created_at === undefined ? {} : { created_at: a.created_at }),
        },
        actor,
      );
      const text = outcome.success
        ? `Memory stored successfully (hash: ${outcome.content_hash})`
        : `Duplicate content detected (exact match): already stored (hash: ${outcome.content_hash})`;
      return toolText(text, { ...outcome });
    },
  };

  const storeSession: ToolDefinition = {
    name: 'memory_store_session',
    title: 'Store Session',
    description: 'Store a conversation as one memory ("[role] content" lines), tagged session:<id>; long sessions are split on whole turns.',
    input: z.object({
      turns: z.array(z.object({ role: z.string().max(64), content: z.string() })).min(1, 'turns is required and must be non-empty'),
      session_id: z.string().max(128).optional(),
      tags: tagsArgument,
      metadata: z.record(z.string(), z.unknown()).optional(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async run(args, { actor }) {
      const a = args as {
        turns: { role: string; content: string }[];
        session_id?: string | null;
        tags?: string | string[] | null;
        metadata?: Record<string, unknown> | null;
      };
      const lines = a.turns.filter((t) => t.content.trim() !== '').map((t) => `[${t.role}] ${t.content}`);
      if (lines.length === 0) return toolError('Error: all turns have empty content');
      const sessionId = a.session_id || randomUUID();
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
            tags: [`session:${sessionId}`, ...tagList(a.tags), ...(chunks.length > 1 ? [`chunk:${i + 1}/${chunks.length}`] : [])],
            memory_type: 'session',
            metadata: { ...(a.metadata ?? {}), session_id: sessionId },
          },
          actor,
        );
        hashes.push(outcome.content_hash);
      }
      const text =
        chunks.length === 1
          ? `Session stored successfully (session_id: ${sessionId}, hash: ${hashes[0]}, turns: ${lines.length})`
          : `Session stored successfully (session_id: ${sessionId}, chunks: ${chunks.length}/${chunks.length}, turns: ${lines.length})`;
      return toolText(text, { session_id: sessionId, content_hashes: hashes, turns: lines.length });
    },
  };

  const search: ToolDefinition = {
    name: 'memory_search',
    title: 'Search Memories (Unified)',
    description:
      'Find memories by a question (mode hybrid, the default: words and meaning; semantic: meaning only; keyword: words only; exact: the text as a substring), ' +
      'by time (time_expr such as "last week", or after/before dates) and by tags, in any combination. Without a query, lists the memories of that time or those tags, newest first.',
    input: z.object({
      query: queryArgument.optional(),
      mode: z.enum(['semantic', 'exact', 'hybrid', 'keyword']).optional(),
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
      max_response_chars: z.number().int().min(0).optional(),
      include_superseded: z.boolean().optional().describe('Accepted: this server never hides superseded memories'),
      entity: z.string().optional().describe('Not supported here (no knowledge graph)'),
      fallback: z.boolean().optional().describe('With fewer than 3 results, add exact and tag matches'),
    }),
    annotations: { readOnlyHint: true },
    async run(args) {
      const a = args as {
        query?: string | null;
        mode?: 'semantic' | 'exact' | 'hybrid' | 'keyword' | null;
        time_expr?: string | null;
        after?: string | null;
        before?: string | null;
        tags?: string | string[] | null;
        tag_match?: 'any' | 'all' | null;
        operation?: string | null;
        match_all?: boolean | null;
        limit?: number | null;
        n_results?: number | null;
        similarity_threshold?: number | null;
        quality_boost?: number | null;
        include_debug?: boolean | null;
        max_response_chars?: number | null;
        entity?: string | null;
        fallback?: boolean | null;
      };
      if (a.quality_boost) return toolError('Error: quality_boost is not supported by this server (it keeps no quality scores); leave it out or set it to 0');
      if (a.entity) return toolError("Error: entity filters need upstream's knowledge graph, which this server does not have");
      const window = a.time_expr ? timeExpressionWindow(a.time_expr) : null;
      const after = tighter(window?.after, a.after, 'later');
      const before = tighter(window?.before, a.before, 'earlier');
      const tags = tagList(a.tags);
      const tagMatch = tagMatchOf(a);
      const limit = a.limit ?? a.n_results ?? 10;
      const query = a.query?.trim() ? a.query : null;
      if (query === null && !after && !before && tags.length === 0) {
        return toolError('Error: At least one filter required (query, time_expr, after, before, or tags)');
      }
      let found: FoundMemory[];
      let mode: string;
      if (query === null) {
        const page = await backend.list({ page: 1, page_size: limit, tags, tag_match: tagMatch, after, before });
        found = page.memories.map((memory) => ({ memory, similarity_score: 1, relevance_reason: 'filters' }));
        mode = a.mode ?? 'filter';
      } else {
        const answer = await backend.search({
          query,
          mode: a.mode ?? undefined,
          n_results: limit,
          similarity_threshold: a.similarity_threshold ?? null,
          tags,
          tag_match: tagMatch,
          after,
          before,
        });
        found = answer.results.map((r) => ({ memory: r.memory, similarity_score: r.similarity_score, relevance_reason: r.relevance_reason }));
        mode = answer.search_type;
      }
      let usedFallback = false;
      if (a.fallback && query !== null && found.length < 3) {
        usedFallback = true;
        const seen = new Set(found.map((f) => f.memory.content_hash));
        const add = (hits: FoundMemory[]): void => {
          for (const hit of hits) {
            if (seen.has(hit.memory.content_hash) || found.length >= limit) continue;
            seen.add(hit.memory.content_hash);
            found.push(hit);
          }
        };
        const exact = await backend.search({ query, mode: 'exact', n_results: limit, tags, tag_match: tagMatch, after, before });
        add(
          exact.results.map((r) => ({
            memory: r.memory,
            similarity_score: r.similarity_score,
            relevance_reason: 'exact match',
            match_method: 'exact_fallback',
          })),
        );
        const words = [
          ...new Set(
            query
              .toLowerCase()
              .split(/\s+/u)
              .map((w) => w.replace(/[^\p{L}\p{N}_-]/gu, ''))
              .filter((w) => w.length > 2),
          ),
        ];
        if (words.length > 0) {
          const tagged = await backend.list({ page: 1, page_size: limit, tags: words.slice(0, INPUT_LIMITS.tags), tag_match: 'any', after, before });
          add(tagged.memories.map((memory) => ({ memory, similarity_score: 0, relevance_reason: 'tag match', match_method: 'tag_fallback' })));
        }
      }
      const header = { mode, query, fallback: usedFallback };
      let text = a.max_response_chars ? truncatedSearchText(found, header, a.max_response_chars) : searchText(found, header);
      if (a.include_debug) {
        text += `\n\nDebug Info:\n  Results: ${found.length}\n  Mode: ${mode}\n  Quality boost: 0\n  Time expression: ${a.time_expr ?? 'none'}\n  Time range: ${after ?? '-'} to ${before ?? '-'}\n  Tags: ${tags.join(', ') || 'none'} (${tagMatch})`;
      }
      return toolText(text, { results: found, total_found: found.length, mode, query });
    },
  };

  const list: ToolDefinition = {
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
      stale_days: z.number().int().min(1).max(100_000).optional().describe('Only memories created more than N days ago (this server does not track access)'),
    }),
    annotations: { readOnlyHint: true },
    async run(args) {
      const a = args as {
        page?: number | null;
        page_size?: number | null;
        tags?: string | string[] | null;
        tag?: string | string[] | null;
        tag_match?: 'any' | 'all' | null;
        operation?: string | null;
        match_all?: boolean | null;
        memory_type?: string | null;
        stale_days?: number | null;
      };
      const page = a.page ?? 1;
      const pageSize = a.page_size ?? 20;
      const tags = [...new Set([...tagList(a.tags), ...tagList(a.tag)])];
      const before = a.stale_days ? new Date(Date.now() - a.stale_days * 86_400_000).toISOString() : null;
      const result = await backend.list({
        page,
        page_size: pageSize,
        tags,
        tag_match: tagMatchOf(a),
        ...(a.memory_type ? { memory_type: a.memory_type } : {}),
        before,
      });
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
  };

  const remove: ToolDefinition = {
    name: 'memory_delete',
    title: 'Delete Memories (Unified)',
    description:
      'Delete one memory by content_hash, or every memory matching tags (any/all) and/or a date window (after/before, YYYY-MM-DD). dry_run previews.',
    input: z.object({
      content_hash: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'a content_hash is 64 hexadecimal characters')
        .optional(),
      tags: tagsArgument,
      ...tagMatchArguments,
      after: dateArgument.optional(),
      before: dateArgument.optional(),
      dry_run: z.boolean().optional(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: true },
    async run(args, { actor }) {
      const a = args as {
        content_hash?: string | null;
        tags?: string | string[] | null;
        tag_match?: 'any' | 'all' | null;
        operation?: string | null;
        match_all?: boolean | null;
        after?: string | null;
        before?: string | null;
        dry_run?: boolean | null;
      };
      if (a.content_hash) {
        const hash = a.content_hash.toLowerCase();
        if (a.dry_run) {
          const exists = (await backend.get(hash)) !== null;
          return toolText(`Would delete ${exists ? 1 : 0} memories\n\nWould delete ${exists ? 1 : 0} memories\nHashes: ${exists ? hash : ''}`, {
            count: exists ? 1 : 0,
            content_hashes: exists ? [hash] : [],
            dry_run: true,
          });
        }
        await backend.delete(hash, actor);
        return toolText(`Successfully deleted memory ${hash}\n\nDeleted 1 memories`, { success: true, count: 1, content_hashes: [hash], dry_run: false });
      }
      const tags = tagList(a.tags);
      if (tags.length === 0 && !a.after && !a.before) return toolError('Error: At least one filter required (content_hash, tags, before, or after)');
      const result = await backend.bulkDelete(
        {
          tags,
          tag_match: tagMatchOf(a),
          after: a.after ?? null,
          before: a.before ?? null,
          dry_run: a.dry_run === true,
        },
        actor,
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
  };

  const update: ToolDefinition = {
    name: 'memory_update',
    title: 'Update Memory Metadata',
    description:
      "Change a memory's tags (replaced), memory_type or metadata (merged; other keys in updates become metadata keys). versioned=true with updates.content stores a new memory that supersedes this one.",
    input: z.object({
      content_hash: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a content_hash is 64 hexadecimal characters'),
      updates: z.record(z.string(), z.unknown()),
      preserve_timestamps: z.boolean().optional(),
      versioned: z.boolean().optional(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: true },
    async run(args, { actor }) {
      const a = args as { content_hash: string; updates: Record<string, unknown>; preserve_timestamps?: boolean | null; versioned?: boolean | null };
      const hash = a.content_hash.toLowerCase();
      const current = await backend.get(hash);
      if (current === null) return toolText(`Failed to update memory metadata: Memory with hash ${hash} not found`, { success: false, content_hash: hash });
      const { tags, memory_type: memoryType, metadata, content, reason, ...rest } = a.updates;
      if (a.versioned) {
        if (typeof content !== 'string' || content.trim() === '') throw new ToolInputError('versioned=true needs updates.content, the new text');
        const stored = await backend.store({ content, tags: current.tags, memory_type: current.memory_type, metadata: { parent_hash: hash } }, actor);
        await backend.update(
          hash,
          { metadata: { superseded_by: stored.content_hash, ...(typeof reason === 'string' ? { evolution_reason: reason } : {}) } },
          actor,
        );
        return toolText(`Versioned update successful. New hash: ${stored.content_hash}, parent hash: ${hash}. Memory versioned successfully`, {
          success: true,
          content_hash: stored.content_hash,
          parent_hash: hash,
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
          preserve_timestamps: a.preserve_timestamps !== false,
        },
        actor,
      );
      const moved = updated.updated_at !== current.updated_at;
      return toolText(`Successfully updated memory metadata. Updated fields: ${[...fields, ...(moved ? ['updated_at'] : [])].join(', ')}`, {
        success: true,
        content_hash: hash,
        memory: updated,
      });
    },
  };

  const health: ToolDefinition = {
    name: 'memory_health',
    title: 'Check Database Health',
    description: 'Report whether the memory database is healthy, with memory counts, size and the embedding model.',
    input: z.object({}),
    annotations: { readOnlyHint: true },
    async run() {
      const { text, report } = healthText(await backend.health(), SERVICE_VERSION);
      return toolText(text, report);
    },
  };

  const stats: ToolDefinition = {
    name: 'memory_stats',
    title: 'Get Cache Stats',
    description: 'Cache statistics of the server (the query-embedding cache) and its backend.',
    input: z.object({}),
    annotations: { readOnlyHint: true },
    async run() {
      const report = statsReport(await backend.health());
      return toolText(JSON.stringify(report, null, 2), report);
    },
  };

  const cleanup: ToolDefinition = {
    name: 'memory_cleanup',
    title: 'Cleanup Duplicates',
    description: 'Remove duplicate memories. A content hash is unique here, so there are never any.',
    input: z.object({}),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    async run() {
      return toolText('No duplicate memories found', { count: 0 });
    },
  };

  return [store, storeSession, search, list, remove, update, health, stats, cleanup];
}
