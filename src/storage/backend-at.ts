import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { PostgresBackend } from './postgres/postgres-backend.js';
import { inspectDatabaseFile } from './sqlite/sqlite-backup.js';
import { SqliteBackend } from './sqlite/sqlite-backend.js';
import type { StorageBackend } from './storage-backend.js';

/** The model a database's vectors were made with. */
export interface EmbeddingSpace {
  model: string;
  dimension: number;
}

/** A database named on a command line: a postgres:// URL, or else a SQLite file path. */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//.test(location);

/** Reads which model and dimension an existing database (SQLite file or PostgreSQL URL) records. */
export async function embeddingSpaceOf(location: string): Promise<EmbeddingSpace> {
  if (isPostgresUrl(location)) {
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    try {
      const rows = await client.query<{ key: string; value: string }>(
        "SELECT key, value FROM service_meta WHERE key IN ('embedding_model', 'embedding_dimension')",
      );
      const meta = new Map(rows.rows.map((r) => [r.key, r.value]));
      if (!meta.has('embedding_model')) throw new Error('the source database has no memories schema');
      return { model: meta.get('embedding_model')!, dimension: Number(meta.get('embedding_dimension')) };
    } finally {
      await client.end();
    }
  }
  if (!existsSync(location)) throw new Error(`no database file at ${location}`);
  const inspection = inspectDatabaseFile(location);
  if (inspection.embeddingModel === null || inspection.embeddingDimension === null) throw new Error(`${location}: ${inspection.integrity}`);
  return { model: inspection.embeddingModel, dimension: inspection.embeddingDimension };
}

/** Opens (creating and migrating if needed) the backend at a location, for that embedding space. */
export async function openBackendAt(location: string, space: EmbeddingSpace): Promise<StorageBackend> {
  const identity = { embeddingModel: space.model, embeddingDimension: space.dimension };
  return isPostgresUrl(location)
    ? PostgresBackend.open({ url: location, poolSize: 4, efSearch: 100, ...identity })
    : SqliteBackend.open({ path: resolve(location), pragmas: [], busyBudgetMs: 30_000, ...identity });
}
