import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/domain-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MemoriesService } from '../memories/memories.service.js';
import type { Caller } from '../spaces/space-access.js';
import { chunkText } from './chunker.js';
import { documentPages, formatOf } from './document-text.js';

export interface IngestInput {
  /** The document's name (its extension says the format: txt, md, markdown, rst, json, pdf). */
  sourceName: string;
  /** A text document as it is. */
  content?: string | null;
  /** Any document as base64 (a PDF must come this way). */
  contentBase64?: string | null;
  tags?: readonly string[] | null;
  chunkSize?: number | null;
  chunkOverlap?: number | null;
  memoryType?: string | null;
  space?: string | null;
  /** The id its passages are tagged with (an upload names it before the document is read). */
  uploadId?: string;
  /** Told after each passage: how many were handled and stored, of how many. */
  onProgress?: (handled: number, stored: number, total: number) => void;
}

export interface IngestResult {
  uploadId: string;
  sourceName: string;
  pages: number;
  /** One per passage stored, in order (a passage already stored answers its hash). */
  contentHashes: string[];
  chunksStored: number;
  totalChunks: number;
}

/** upstream's defaults: passages of 1,000 characters overlapping by 200. */
export const DEFAULT_CHUNK_SIZE = 1_000;
export const DEFAULT_CHUNK_OVERLAP = 200;
/** Passages one document becomes, at most. */
export const MAX_CHUNKS = 2_000;

/**
 * Documents (text, Markdown, JSON, PDF) as memories: the text split into overlapping passages,
 * each stored as a memory tagged with its source (source_file:<name>, file_type:<ext>,
 * upload_id:<id>, as upstream tags them). Only content sent by the caller is read, never a path
 * on the server.
 */
@Injectable()
export class DocumentsService {
  constructor(
    private readonly memories: MemoriesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The largest document, in bytes: twice the largest memory (it becomes several). */
  get maxDocumentBytes(): number {
    return this.config.limits.maxContentBytes * 2;
  }

  async ingest(input: IngestInput, caller: Caller): Promise<IngestResult> {
    const format = formatOf(input.sourceName);
    const given = [input.content, input.contentBase64].filter((v) => v !== undefined && v !== null);
    if (given.length !== 1) throw InvalidInputError.field('content', 'give the document as content (text) or as content_base64, one of them');
    const size = input.chunkSize ?? DEFAULT_CHUNK_SIZE;
    // Without an overlap, upstream's 200 characters, but never more than a fifth of a small passage.
    const overlap = input.chunkOverlap ?? Math.min(DEFAULT_CHUNK_OVERLAP, Math.floor(size / 5));
    if (overlap >= size) throw InvalidInputError.field('chunk_overlap', 'must be smaller than chunk_size');
    const content = input.content ?? Buffer.from(input.contentBase64!, 'base64');
    const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
    if (bytes > this.maxDocumentBytes) throw InvalidInputError.field('content', `the document is ${bytes} bytes; at most ${this.maxDocumentBytes} are read`);
    if (bytes === 0) throw InvalidInputError.field('content', 'the document is empty');
    const pages = await documentPages(format, typeof content === 'string' ? content : new Uint8Array(content));
    const passages = pages.flatMap((text, page) => chunkText(text, size, overlap).map((chunk) => ({ chunk, page: page + 1 })));
    if (passages.length === 0) throw InvalidInputError.field('content', 'the document holds no text');
    if (passages.length > MAX_CHUNKS) throw InvalidInputError.field('chunk_size', `the document makes ${passages.length} passages; at most ${MAX_CHUNKS}`);
    const uploadId = input.uploadId ?? randomUUID();
    const sourceName = input.sourceName.slice(0, 200);
    const contentHashes: string[] = [];
    let stored = 0;
    for (const [index, { chunk, page }] of passages.entries()) {
      const outcome = await this.memories.store(
        {
          content: chunk,
          tags: [...(input.tags ?? []), `source_file:${sourceName}`, `file_type:${format}`, `upload_id:${uploadId}`],
          memoryType: input.memoryType ?? 'document',
          metadata: { upload_id: uploadId, source_file: sourceName, chunk_index: index, ...(format === 'pdf' ? { page } : {}) },
          space: input.space,
        },
        caller,
      );
      if (outcome.stored) stored += 1;
      contentHashes.push(outcome.stored ? outcome.memory.contentHash : outcome.contentHash);
      input.onProgress?.(index + 1, stored, passages.length);
    }
    return { uploadId, sourceName, pages: pages.length, contentHashes, chunksStored: stored, totalChunks: passages.length };
  }
}
