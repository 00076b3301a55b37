import { z } from 'zod';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import type { MemoryToolBackend } from '../memory-tool-backend.js';
import { storeArgument, tagList } from './tool-arguments.js';
import { defineTool, type ToolDefinition, toolError, toolText } from './tool-registry.js';

/**
 * upstream's memory_ingest, for content sent with the call: upstream's took a path on the server
 * (file_path, directory_path) and had to be hidden from remote callers; this one never reads one.
 */
export const memoryIngestTool = (backend: MemoryToolBackend): ToolDefinition =>
  defineTool({
    name: 'memory_ingest',
    title: 'Ingest Document',
    description:
      'Store a document as passages (memories tagged source_file:<name>, file_type:<ext>, upload_id:<id>): text, Markdown or JSON as content, or any of them and PDF as content_base64; source_name (with its extension) says the format. Paths on the server are never read.',
    input: z.object({
      // Optional in the schema so that upstream's path-only call gets the answer below, not a schema error.
      source_name: z.string().min(1).max(200).optional().describe('The document name, e.g. runbook.md or report.pdf (required)'),
      content: z.string().optional().describe('A text document as it is'),
      content_base64: z.string().optional().describe('Any document as base64 (a PDF must come this way)'),
      tags: z.array(z.string().max(INPUT_LIMITS.tagLength)).max(INPUT_LIMITS.tags).optional(),
      chunk_size: z.number().int().min(100).max(100_000).optional().describe('Characters per passage (default 1000)'),
      chunk_overlap: z.number().int().min(0).max(50_000).optional().describe('Characters two passages share (default 200)'),
      memory_type: z.string().max(INPUT_LIMITS.memoryTypeLength).optional().describe('Default document'),
      store: storeArgument,
    }),
    annotations: { readOnlyHint: false, destructiveHint: false },
    async run(args, caller) {
      if (args.content === undefined && args.content_base64 === undefined) {
        return toolError('Error: send the document as content (text) or content_base64; memory_ingest never reads a path on the server');
      }
      if (args.source_name === undefined) return toolError('Error: give source_name, the document name with its extension (e.g. runbook.md)');
      const answer = await backend.ingest(
        {
          source_name: args.source_name,
          content: args.content ?? null,
          content_base64: args.content_base64 ?? null,
          tags: tagList(args.tags),
          chunk_size: args.chunk_size ?? null,
          chunk_overlap: args.chunk_overlap ?? null,
          memory_type: args.memory_type ?? null,
          space: args.store ?? null,
        },
        caller,
      );
      return toolText(
        `Document ingested: ${answer.filename}, ${answer.pages} page(s), ${answer.total_chunks} passages (${answer.chunks_stored} new), upload_id ${answer.upload_id}`,
        { ...answer },
      );
    },
  });
