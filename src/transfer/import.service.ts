import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/domain-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { embedMemories, embedPassages, type MemoryVectors } from '../memories/passages.js';
import { CONTENT_HASH_PATTERN, contentHash, legacyUpstreamContentHash } from '../memories/content-hash.js';
import { parseCreatedAt } from '../memories/created-at.js';
import { checkContent, checkMetadata, checkTagsAndType } from '../memories/memory-input.js';
import { normalizeTags } from '../memories/tags.js';
import { DEFAULT_SPACE, type Memory } from '../storage/memory.js';
import { MEMORY_STORE, type MemoryStore } from '../storage/roles.js';
import { isSqliteFile, UpstreamDatabase } from '../storage/upstream-database.js';
import { jsonLinesEntries, upstreamEntries } from './import-sources.js';
import { type ImportEntry, type ImportItem, isPassedOver } from './memory-record.js';
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';

/** Memories embedded and written per transaction: small enough to keep the writer lock short. */
const BATCH = 64;
/** Refusals listed one by one in a report (all are counted). */
const LISTED_REFUSALS = 1000;

export interface Refusal {
  source: string;
  content_hash: string | null;
  reason: string;
}

export interface ImportReport {
  /** Stored now. */
  imported: number;
  /** Already stored (same content hash): nothing changed. */
  duplicates: number;
  /** Left out on purpose, by reason (e.g. deleted upstream). */
  skipped: Record<string, number>;
  refused: number;
  /** The first 1,000 refusals. */
  refusals: Refusal[];
  /** Imported with the vector they came with (same model), not re-embedded. */
  vectors_reused: number;
  seconds: number;
  /** Entries read per second. */
  per_second: number;
}

export interface ImportProgress {
  /** Entries read so far. */
  done: number;
  /** Entries in the source, when known. */
  total: number | null;
}

/**
 * Imports memories from any source (JSON Lines, an upstream database): every entry is checked by
 * the rules REST and MCP apply; present hashes are skipped before any model call, so a re-run
 * after an interruption resumes where the last committed batch ended; the rest is embedded in
 * batches (or keeps its vector when it came from this model) and written a batch per transaction.
 */
@Injectable()
export class ImportService {
  constructor(
    @Inject(MEMORY_STORE) private readonly store: MemoryStore,
    @Inject(EMBEDDING_PROVIDER) private readonly embeddings: EmbeddingProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** An upstream database file (read-only; it may be in use by the upstream service). */
  importUpstream(path: string, onProgress?: (progress: ImportProgress) => void): Promise<ImportReport> {
    let database: UpstreamDatabase;
    try {
      database = UpstreamDatabase.open(path);
    } catch (error) {
      throw InvalidInputError.field('path', (error as Error).message);
    }
    return this.run(upstreamEntries(database), { total: database.count(), onProgress }).finally(() => database.close());
  }

  /** JSON Lines (an export of this service, or written by hand), one memory per line. */
  importJsonLines(input: Readable, onProgress?: (progress: ImportProgress) => void): Promise<ImportReport> {
    return this.run(jsonLinesEntries(input, this.maxLineBytes()), { onProgress });
  }

  /** A file on this machine: an upstream database (by its SQLite header) or JSON Lines. */
  importFile(path: string, onProgress?: (progress: ImportProgress) => void): Promise<ImportReport> {
    let sqlite: boolean;
    try {
      // A regular file only: a device or FIFO (/dev/zero) would be read forever.
      if (!statSync(path).isFile()) throw InvalidInputError.field('path', `${path} is not a regular file`);
      sqlite = isSqliteFile(path);
    } catch (error) {
      if (error instanceof InvalidInputError) throw error;
      throw InvalidInputError.field('path', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    return sqlite ? this.importUpstream(path, onProgress) : this.importJsonLines(createReadStream(path), onProgress);
  }

  /** A record holds content, metadata and maybe a vector as JSON: room for all three, escaped. */
  private maxLineBytes(): number {
    return this.config.limits.maxContentBytes * 6 + 2 * 1024 * 1024;
  }

  async run(
    entries: AsyncIterable<ImportEntry> | Iterable<ImportEntry>,
    options: { total?: number | null; onProgress?: (progress: ImportProgress) => void } = {},
  ): Promise<ImportReport> {
    const started = performance.now();
    const report: ImportReport = { imported: 0, duplicates: 0, skipped: {}, refused: 0, refusals: [], vectors_reused: 0, seconds: 0, per_second: 0 };
    const refuse = (refusal: Refusal): void => {
      report.refused += 1;
      if (report.refusals.length < LISTED_REFUSALS) report.refusals.push(refusal);
    };
    let done = 0;
    let batch: { memory: Memory; item: ImportItem }[] = [];
    const flush = async (): Promise<void> => {
      const written = await this.write(batch);
      report.imported += written.imported;
      report.duplicates += written.duplicates;
      report.vectors_reused += written.vectorsReused;
      batch = [];
      options.onProgress?.({ done, total: options.total ?? null });
    };
    for await (const entry of entries) {
      done += 1;
      if (isPassedOver(entry)) {
        if (entry.kind === 'skip') report.skipped[entry.reason] = (report.skipped[entry.reason] ?? 0) + 1;
        else refuse({ source: entry.source, content_hash: entry.contentHash, reason: entry.reason });
        continue;
      }
      try {
        batch.push({ memory: this.checked(entry), item: entry });
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        refuse({ source: entry.source, content_hash: entry.contentHash, reason: error.message });
      }
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    report.seconds = Math.round(performance.now() - started) / 1000;
    report.per_second = Math.round(done / Math.max(report.seconds, 0.001));
    return report;
  }

  /** The memory as it will be stored, or a DomainError naming what is wrong with it. */
  private checked(item: ImportItem): Memory {
    checkContent(item.content, this.config.limits.maxContentBytes);
    const tags = normalizeTags(item.tags);
    checkTagsAndType(tags, item.memoryType);
    checkMetadata(item.metadata);
    const now = Date.now() / 1000;
    const createdAt = item.createdAt === null ? now : parseCreatedAt(item.createdAt, now);
    const updatedAt = item.updatedAt === null || item.updatedAt < createdAt ? createdAt : parseCreatedAt(item.updatedAt, now, 'updated_at');
    const hash = this.hashOf(item);
    return {
      contentHash: hash,
      space: item.space ?? DEFAULT_SPACE,
      content: item.content,
      tags,
      memoryType: item.memoryType || null,
      metadata: item.metadata,
      createdAt,
      updatedAt,
      ...(item.supersededBy ? { supersededBy: item.supersededBy } : {}),
      ...(item.supersedes ? { supersedes: item.supersedes } : {}),
      ...(item.expiresAt ? { expiresAt: item.expiresAt } : {}),
    };
  }

  /**
   * The content's hash. A given one must be that hash (or upstream's earlier content-and-metadata
   * hash of it): taken on trust, a line could take the hash of content it does not hold and make
   * that content a "duplicate" for good. An upstream database's ids are kept as stored.
   */
  private hashOf(item: ImportItem): string {
    const computed = contentHash(item.content);
    const given = item.contentHash?.trim().toLowerCase() || null;
    if (given === null) return computed;
    if (!CONTENT_HASH_PATTERN.test(given)) throw InvalidInputError.field('content_hash', 'content_hash is not a SHA-256 hex string');
    if (item.hashIsId === true || given === computed || given === legacyUpstreamContentHash(item.content, item.metadata)) return given;
    throw InvalidInputError.field(
      'content_hash',
      `content_hash ${given.slice(0, 12)}... does not match the content (whose hash is ${computed.slice(0, 12)}...); leave content_hash out to import it under its content's hash`,
    );
  }

  private async write(batch: { memory: Memory; item: ImportItem }[]): Promise<{ imported: number; duplicates: number; vectorsReused: number }> {
    if (batch.length === 0) return { imported: 0, duplicates: 0, vectorsReused: 0 };
    // A hash is unique per space: the batch's memories are looked up space by space.
    const key = (memory: Memory): string => `${memory.space}\n${memory.contentHash}`;
    const present = new Set<string>();
    for (const space of new Set(batch.map(({ memory }) => memory.space))) {
      const hashes = batch.filter(({ memory }) => memory.space === space).map(({ memory }) => memory.contentHash);
      for (const hash of await this.store.existingHashes(hashes, space)) present.add(`${space}\n${hash}`);
    }
    const fresh = new Map<string, { memory: Memory; item: ImportItem }>();
    for (const entry of batch) if (!present.has(key(entry.memory)) && !fresh.has(key(entry.memory))) fresh.set(key(entry.memory), entry);
    const entries = [...fresh.values()];
    const reusable = ({ item }: { item: ImportItem }): boolean =>
      item.vector !== null && item.vector.model === this.embeddings.modelId && item.vector.embedding.length === this.embeddings.dimension;
    return this.embeddings.consistently(async () => {
      const toEmbed = entries.filter((entry) => !reusable(entry));
      const reused = entries.filter(reusable);
      // A reused vector is the whole text's: a long memory's passages are embedded here all the same (an export carries no passages).
      const [vectors, reusedPassages] = await Promise.all([
        embedMemories(
          this.embeddings,
          toEmbed.map(({ memory }) => memory.content),
        ),
        embedPassages(
          this.embeddings,
          reused.map(({ memory }) => memory.content),
        ),
      ]);
      const embedded = new Map<string, MemoryVectors>([
        ...toEmbed.map(({ memory }, i) => [memory.contentHash, vectors[i]!] as const),
        ...reused.map(({ memory, item }, i) => [memory.contentHash, { embedding: normalized(item.vector!.embedding), passages: reusedPassages[i]! }] as const),
      ]);
      const imported = await this.store.insertBatch(entries.map(({ memory }) => ({ memory, ...embedded.get(memory.contentHash)! })));
      return { imported, duplicates: batch.length - imported, vectorsReused: entries.length - toEmbed.length };
    });
  }
}

/** Stored vectors are unit length; a reused one is renormalized in case its writer rounded. */
function normalized(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  return norm === 0 ? vector : vector.map((x) => x / norm);
}
