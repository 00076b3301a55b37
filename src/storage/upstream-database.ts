import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { storedTime } from '../time/stored-time.js';
import type { JsonObject } from './memory.js';

/** One row of the upstream service's `memories` table, decoded (see docs/moving-data.md). */
export interface UpstreamMemory {
  id: number;
  contentHash: string | null;
  content: unknown;
  tags: string[];
  memoryType: string | null;
  /** The parsed JSON object; {} when absent, invalid or not an object (as upstream reads it). */
  metadata: JsonObject;
  /** Epoch seconds from the float column (upstream trusts it), else the ISO column (UTC), else null. */
  createdAt: number | null;
  updatedAt: number | null;
  /** Soft-deleted upstream (deleted_at set). */
  deleted: boolean;
  /** Replaced by a newer version upstream (superseded_by set). */
  superseded: boolean;
}

const REQUIRED = ['id', 'content_hash', 'content'];
const OPTIONAL = ['tags', 'memory_type', 'metadata', 'created_at', 'updated_at', 'created_at_iso', 'updated_at_iso', 'deleted_at', 'superseded_by'];

/**
 * Reads a database file of the upstream Python service (sqlite-vec backend, any schema version
 * since v1.0.0), read-only: only the `memories` table, selecting the columns that version has.
 * Its vectors (another model's) are not read; the FTS and graph tables are left alone.
 */
export class UpstreamDatabase {
  private constructor(
    private readonly db: Database.Database,
    private readonly columns: Set<string>,
  ) {}

  static open(path: string): UpstreamDatabase {
    if (!existsSync(path)) throw new Error(`no file at ${path}`);
    if (!isSqliteFile(path)) throw new Error(`${path} is not a SQLite database`);
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const columns = new Set((db.prepare('SELECT name FROM pragma_table_info(?)').all('memories') as { name: string }[]).map((row) => row.name));
      const missing = REQUIRED.filter((column) => !columns.has(column));
      if (missing.length > 0) {
        throw new Error(`${path} is not a database of the upstream mcp-memory-service: its memories table lacks ${missing.join(', ')}`);
      }
      if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'service_meta'").get() !== undefined) {
        throw new Error(`${path} looks like a database of this service, not the upstream one: use mcp-memory import with an export, or migrate`);
      }
      return new UpstreamDatabase(db, columns);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM memories').get() as { n: number }).n;
  }

  /** Every row in id order, read a page at a time. */
  *rows(page = 500): Generator<UpstreamMemory> {
    const present = OPTIONAL.filter((column) => this.columns.has(column));
    const select = this.db.prepare(`SELECT ${['id', 'content_hash', 'content', ...present].join(', ')} FROM memories WHERE id > ? ORDER BY id LIMIT ?`);
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const rows = select.all(after, page) as Record<string, unknown>[];
      for (const row of rows) yield decode(row);
      if (rows.length < page) return;
      after = rows[rows.length - 1]!.id as number;
    }
  }

  close(): void {
    this.db.close();
  }
}

/** Whether a file starts with SQLite's header (an unreadable file throws). */
export function isSqliteFile(path: string): boolean {
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.toString('latin1') === 'SQLite format 3\u0000';
}

function decode(row: Record<string, unknown>): UpstreamMemory {
  return {
    id: row.id as number,
    contentHash: typeof row.content_hash === 'string' ? row.content_hash : null,
    content: row.content,
    // Comma-joined; older rows may use ", " or mixed case (tags are normalized on import).
    tags: typeof row.tags === 'string' ? row.tags.split(',').filter((tag) => tag.trim() !== '') : [],
    memoryType: typeof row.memory_type === 'string' && row.memory_type.trim() !== '' ? row.memory_type : null,
    metadata: jsonObject(row.metadata),
    createdAt: storedTime(row.created_at, row.created_at_iso),
    updatedAt: storedTime(row.updated_at, row.updated_at_iso),
    deleted: row.deleted_at !== undefined && row.deleted_at !== null,
    superseded: typeof row.superseded_by === 'string' && row.superseded_by !== '',
  };
}

function jsonObject(text: unknown): JsonObject {
  if (typeof text !== 'string') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
  } catch {
    return {};
  }
}
