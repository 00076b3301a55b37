import type { UpstreamDatabase } from '../storage/upstream-database.js';
import { fromRecordLine, type ImportEntry } from './memory-record.js';

/**
 * JSON Lines from a stream (a file, stdin, an HTTP body): one entry per non-blank line. A line
 * longer than `maxLineBytes` is refused without being held in memory.
 */
export async function* jsonLinesEntries(input: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<ImportEntry> {
  let number = 0;
  for await (const line of boundedLines(input, maxLineBytes)) {
    number += 1;
    if (line === null) yield { source: `line ${number}`, contentHash: null, kind: 'refuse', reason: `longer than ${maxLineBytes} bytes` };
    else if (line.trim() !== '') yield fromRecordLine(line, number);
  }
}

/** Lines (LF or CRLF) decoded as UTF-8 once whole; null for a line over the limit (its bytes are dropped as they come). */
async function* boundedLines(input: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<string | null> {
  let pending: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const take = (piece: Buffer): void => {
    if (tooLong) return;
    if (size + piece.length > maxLineBytes) {
      tooLong = true;
      pending = [];
      return;
    }
    pending.push(piece);
    size += piece.length;
  };
  const line = (): string | null => {
    const text = tooLong ? null : Buffer.concat(pending).toString('utf8').replace(/\r$/, '');
    pending = [];
    size = 0;
    tooLong = false;
    return text;
  };
  for await (const data of input) {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let start = 0;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, start)) {
      take(chunk.subarray(start, at));
      yield line();
      start = at + 1;
    }
    take(chunk.subarray(start));
  }
  if (size > 0 || tooLong) yield line();
}

/** The rows of an upstream database: deleted and superseded ones are skipped (and counted). */
export function* upstreamEntries(database: UpstreamDatabase): Generator<ImportEntry> {
  for (const row of database.rows()) {
    const source = `row ${row.id}`;
    const { contentHash } = row;
    if (row.deleted) yield { source, contentHash, kind: 'skip', reason: 'deleted upstream' };
    else if (row.superseded) yield { source, contentHash, kind: 'skip', reason: 'superseded upstream by a newer version' };
    else if (typeof row.content !== 'string') yield { source, contentHash, kind: 'refuse', reason: 'content is not text' };
    else
      yield {
        source,
        contentHash,
        hashIsId: true,
        content: row.content,
        tags: row.tags,
        memoryType: row.memoryType,
        metadata: row.metadata,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        vector: null,
      };
  }
}
