import pg from 'pg';
import { StorageUnavailableError } from '../../common/domain-errors.js';
import { EmbeddingSpaceMismatchError } from '../embedding-space-mismatch.error.js';
import { ROLLED_BACK, type SqlRunner } from '../oauth-store.js';
import { applyPostgresMigrations } from './postgres-migrations.js';

export interface PostgresDatabaseOptions {
  url: string;
  poolSize: number;
  efSearch: number;
  embeddingModel: string;
  embeddingDimension: number;
}

/** A connection string without its password, for health output and logs. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable)';
  }
}

/** Connection-level failures become 503s; everything else is a bug and surfaces as is. */
function translate(error: unknown): unknown {
  const code = (error as { code?: string }).code ?? '';
  if (/^(08|57P|53)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND'].includes(code)) {
    return new StorageUnavailableError(`PostgreSQL: ${(error as Error).message}`);
  }
  if ((error as Error).message === 'Cannot use a pool after calling end on the pool') return new StorageUnavailableError('the database is closed');
  return error;
}

/**
 * One PostgreSQL database as every role uses it: the pool (migrated, its model verified),
 * queries and transactions with connection failures as domain errors, and the model this replica
 * writes vectors of. Holds no query of its own beyond that check.
 */
export class PostgresDatabase {
  private writeFailure: string | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    private options: PostgresDatabaseOptions,
    /** pgvector 0.8+: a filtered search keeps scanning the index until enough rows pass the filter. */
    readonly iterativeScan: boolean,
  ) {}

  static async open(options: PostgresDatabaseOptions): Promise<PostgresDatabase> {
    // ef_search is set per session at connection start-up, so every pooled client searches alike.
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize, options: `-c hnsw.ef_search=${Math.trunc(options.efSearch)}` });
    // An idle client that loses its connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    let version: string;
    try {
      await applyPostgresMigrations(pool, options.embeddingModel, options.embeddingDimension);
      version = ((await pool.query<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'")).rows[0]?.v ?? '0') as string;
    } catch (error) {
      await pool.end();
      if (error instanceof EmbeddingSpaceMismatchError) throw error;
      throw new StorageUnavailableError(`cannot prepare the PostgreSQL database at ${redacted(options.url)}: ${(error as Error).message}`);
    }
    const [major = 0, minor = 0] = version.split('.').map(Number);
    return new PostgresDatabase(pool, options, major > 0 || minor >= 8);
  }

  get url(): string {
    return this.options.url;
  }

  get poolSize(): number {
    return this.options.poolSize;
  }

  get efSearch(): number {
    return this.options.efSearch;
  }

  get embeddingModel(): string {
    return this.options.embeddingModel;
  }

  get embeddingDimension(): number {
    return this.options.embeddingDimension;
  }

  /** After a re-embed this replica switched: its vectors are now of another model. */
  switchModel(embeddingModel: string, embeddingDimension: number): void {
    this.options = { ...this.options, embeddingModel, embeddingDimension };
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw translate(error);
    }
  }

  /** A pooled client for `work`, released afterwards; a failure to connect is a domain error. */
  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error);
    }
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        this.writeFailure = null;
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const translated = translate(error);
        if (translated instanceof StorageUnavailableError) this.writeFailure = translated.message;
        throw translated;
      }
    });
  }

  /** One read with session settings local to its transaction. */
  readWith<R extends pg.QueryResultRow>(settings: string[], sql: string, params: unknown[]): Promise<R[]> {
    return this.withClient(async (client) => {
      try {
        await client.query('BEGIN READ ONLY');
        for (const setting of settings) await client.query(setting);
        const rows = (await client.query<R>(sql, params)).rows;
        await client.query('COMMIT');
        return rows;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw translate(error);
      }
    });
  }

  /** Why the last write failed (other than contention), or null when writes work. */
  lastWriteFailure(): string | null {
    return this.writeFailure;
  }

  /**
   * Another replica may have moved the database to another model (a re-embed): vectors from this
   * one's model must not be written. The row lock orders this against the switch.
   */
  async assertModelUnchanged(client: pg.PoolClient): Promise<void> {
    const rows = await client.query<{ value: string }>("SELECT value FROM service_meta WHERE key = 'embedding_model' FOR SHARE");
    const stored = rows.rows[0]?.value;
    if (stored !== undefined && stored !== this.options.embeddingModel) {
      throw new StorageUnavailableError(
        `The database was moved to embedding model "${stored}" by a re-embed; restart this replica with MCP_EMBEDDING_MODEL=${stored}`,
      );
    }
  }

  /** For the other stores in this database (OAuth): SqlRunner on this pool (`?` placeholders become $n). */
  sqlRunner(): SqlRunner {
    const numbered = (sql: string): string => {
      let n = 0;
      return sql.replace(/\?/g, () => `$${++n}`);
    };
    return {
      query: (sql, params) => this.query<Record<string, unknown>>(numbered(sql), params),
      transaction: async (statements) => {
        try {
          return await this.transaction(async (client) => {
            for (const { sql, params, mustChange } of statements) {
              if ((await client.query(numbered(sql), params)).rowCount === 0 && mustChange) throw ROLLED_BACK;
            }
            return true;
          });
        } catch (error) {
          if (error === ROLLED_BACK) return false;
          throw error;
        }
      },
    };
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}
