import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InvalidInputError, NotFoundError } from '../common/domain-errors.js';
import type { Memory } from '../storage/memory.js';
import { MemoriesService } from '../memories/memories.service.js';
import type { Caller } from '../spaces/space-access.js';
import { toHttpError } from '../common/http-error.mapper.js';
import { formatOf } from './document-text.js';
import { DocumentsService } from './documents.service.js';

export type UploadState = 'queued' | 'processing' | 'completed' | 'failed';

/** upstream's upload status, field for field. */
export interface UploadStatus {
  upload_id: string;
  status: UploadState;
  filename: string;
  file_size: number;
  chunks_processed: number;
  chunks_stored: number;
  total_chunks: number;
  progress: number;
  errors: string[];
  created_at: string;
  completed_at: string | null;
}

export interface UploadedFile {
  filename: string;
  data: Buffer;
}

export interface UploadOptions {
  tags: string[];
  chunkSize: number | null;
  chunkOverlap: number | null;
  memoryType: string | null;
  space: string | null;
}

/** Uploads followed in this process, at most (the oldest finished ones give way). */
const KEPT_UPLOADS = 500;
/** Passages read back per upload (a document makes at most MAX_CHUNKS). */
const PASSAGES_READ = 2_000;
/** Uploads a history lists, at most. */
const HISTORY_MAX = 200;

const uploadTag = (uploadId: string): string => `upload_id:${uploadId}`;
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/**
 * upstream's document uploads: files arrive as multipart form data, are answered at once with an
 * upload id, and are read and stored in the background, their progress polled by id. Progress is
 * followed in this process (only the key that uploaded sees it); what an upload became is read
 * from the passages themselves (each is tagged upload_id:<id>), so status, history, content and
 * removal still answer after a restart or from another replica.
 */
@Injectable()
export class DocumentUploadsService {
  private readonly logger = new Logger('Documents');
  private readonly uploads = new Map<string, { status: UploadStatus; owner: string }>();

  constructor(
    private readonly documents: DocumentsService,
    private readonly memories: MemoriesService,
  ) {}

  /** Checks every file, then reads and stores them in the background; one upload id for all. */
  enqueue(files: UploadedFile[], options: UploadOptions, caller: Caller): UploadStatus {
    if (files.length === 0) throw InvalidInputError.field('file', 'no file was sent');
    for (const file of files) {
      formatOf(file.filename);
      if (file.data.length === 0) throw InvalidInputError.field('file', `${file.filename.slice(0, 200)} is empty`);
    }
    const status: UploadStatus = {
      upload_id: randomUUID(),
      status: 'queued',
      filename: files.length === 1 ? files[0]!.filename.slice(0, 200) : `Batch (${files.length} files)`,
      file_size: files.reduce((sum, file) => sum + file.data.length, 0),
      chunks_processed: 0,
      chunks_stored: 0,
      total_chunks: 0,
      progress: 0,
      errors: [],
      created_at: new Date().toISOString(),
      completed_at: null,
    };
    this.keep(status, caller);
    setImmediate(() => void this.process(status, files, options, caller));
    return status;
  }

  private keep(status: UploadStatus, caller: Caller): void {
    if (this.uploads.size >= KEPT_UPLOADS) {
      const finished = [...this.uploads].find(([, upload]) => upload.status.completed_at !== null);
      this.uploads.delete(finished?.[0] ?? this.uploads.keys().next().value!);
    }
    this.uploads.set(status.upload_id, { status, owner: caller.label });
  }

  private async process(status: UploadStatus, files: UploadedFile[], options: UploadOptions, caller: Caller): Promise<void> {
    status.status = 'processing';
    // Passages of the files read before this one (every passage is handled, stored or not).
    let [totalBefore, storedBefore] = [0, 0];
    for (const [index, file] of files.entries()) {
      try {
        const result = await this.documents.ingest(
          {
            sourceName: file.filename,
            // PDF is read from its bytes; text as UTF-8.
            ...(formatOf(file.filename) === 'pdf' ? { contentBase64: file.data.toString('base64') } : { content: file.data.toString('utf8') }),
            tags: options.tags,
            chunkSize: options.chunkSize,
            chunkOverlap: options.chunkOverlap,
            memoryType: options.memoryType,
            space: options.space,
            uploadId: status.upload_id,
            onProgress: (handled, stored, total) => {
              status.chunks_processed = totalBefore + handled;
              status.chunks_stored = storedBefore + stored;
              status.total_chunks = totalBefore + total;
              status.progress = Math.round(((index + handled / total) / files.length) * 1000) / 10;
            },
          },
          caller,
        );
        [totalBefore, storedBefore] = [totalBefore + result.totalChunks, storedBefore + result.chunksStored];
      } catch (error) {
        // The one error policy decides what the uploader may read (a full disk says so; a bug does not).
        const { body, internal } = toHttpError(error);
        if (internal) this.logger.error({ msg: 'Document upload failed', upload_id: status.upload_id, err: error });
        status.errors.push(`${file.filename.slice(0, 200)}: ${body.detail}`);
      }
    }
    status.status = status.errors.length < files.length ? 'completed' : 'failed';
    status.progress = 100;
    status.completed_at = new Date().toISOString();
  }

  /** The upload's status: followed here (the uploader's only), else read from its passages. */
  async status(uploadId: string, caller: Caller): Promise<UploadStatus> {
    // Polled while it runs: the followed status needs no read.
    const followed = this.uploads.get(uploadId);
    if (followed && followed.owner === caller.label) return followed.status;
    return (await this.found(uploadId, caller)).status;
  }

  /** The upload's status and its passages, read once; not found when neither this process nor the caller's spaces know it. */
  private async found(uploadId: string, caller: Caller): Promise<{ status: UploadStatus; passages: Memory[] }> {
    const followed = this.uploads.get(uploadId);
    const passages = await this.passages(uploadId, caller);
    if (followed && followed.owner === caller.label) return { status: followed.status, passages };
    if (passages.length === 0) throw new NotFoundError(`Upload session not found: ${uploadId.slice(0, 64)}`);
    return { status: statusFromPassages(uploadId, passages, passages.length), passages };
  }

  /** Finished uploads, newest first: those followed here and those the caller's spaces hold. */
  async history(caller: Caller): Promise<UploadStatus[]> {
    const finished = new Map<string, UploadStatus>();
    for (const { status, owner } of this.uploads.values()) {
      if (owner === caller.label && status.completed_at !== null) finished.set(status.upload_id, status);
    }
    const stored = (await this.memories.tagCounts(caller))
      .filter(({ tag }) => tag.startsWith('upload_id:') && !finished.has(tag.slice('upload_id:'.length)))
      .slice(0, HISTORY_MAX);
    for (const { tag, count } of stored) {
      const uploadId = tag.slice('upload_id:'.length);
      // One passage tells the name and time; the tag's count tells how many there are.
      const sample = await this.memories.findByTags([tag], 'any', 1, caller);
      if (sample.length > 0) finished.set(uploadId, statusFromPassages(uploadId, sample, count));
    }
    return [...finished.values()].sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, HISTORY_MAX);
  }

  /** The upload's passages, in order. */
  async content(uploadId: string, limit: number, caller: Caller): Promise<{ status: UploadStatus; passages: Memory[] }> {
    const { status, passages } = await this.found(uploadId, caller);
    return { status, passages: passages.slice(0, limit) };
  }

  /** Forgets the upload and (unless told not to) deletes its passages from the caller's writable spaces. */
  async remove(uploadId: string, removeFromMemory: boolean, caller: Caller): Promise<{ filename: string; deleted: number }> {
    const { filename } = await this.status(uploadId, caller);
    const deleted = removeFromMemory ? (await this.memories.deleteMatching({ tags: [uploadTag(uploadId)] }, caller)).contentHashes.length : 0;
    this.uploads.delete(uploadId);
    return { filename, deleted };
  }

  /** Deletes every uploaded document (all its passages) that has a passage with one of these tags. */
  async removeByTags(tags: string[], caller: Caller): Promise<{ deleted: number; uploads: string[] }> {
    const matching = await this.memories.findByTags(tags, 'any', PASSAGES_READ * 10, caller);
    const uploads = [...new Set(matching.flatMap((memory) => memory.tags.filter((tag) => tag.startsWith('upload_id:')).map((tag) => tag.slice(10))))];
    let deleted = 0;
    for (const uploadId of uploads) {
      deleted += (await this.memories.deleteMatching({ tags: [uploadTag(uploadId)] }, caller)).contentHashes.length;
      this.uploads.delete(uploadId);
    }
    return { deleted, uploads };
  }

  private async passages(uploadId: string, caller: Caller): Promise<Memory[]> {
    const found = await this.memories.findByTags([uploadTag(uploadId)], 'any', PASSAGES_READ, caller);
    return found.sort((a, b) => chunkIndex(a) - chunkIndex(b));
  }
}

const chunkIndex = (memory: Memory): number => (typeof memory.metadata.chunk_index === 'number' ? memory.metadata.chunk_index : 0);

/** What an upload became, told by its passages (the process that followed it may be gone). */
function statusFromPassages(uploadId: string, passages: readonly Memory[], count: number): UploadStatus {
  const first = passages[0]!;
  const created = Math.min(...passages.map((memory) => memory.createdAt));
  const files = new Set(passages.map((memory) => memory.metadata.source_file));
  return {
    upload_id: uploadId,
    status: 'completed',
    filename: files.size === 1 && typeof first.metadata.source_file === 'string' ? first.metadata.source_file : `Batch (${files.size} files)`,
    file_size: 0,
    chunks_processed: count,
    chunks_stored: count,
    total_chunks: count,
    progress: 100,
    errors: [],
    created_at: iso(created),
    completed_at: iso(Math.max(...passages.map((memory) => memory.createdAt))),
  };
}
