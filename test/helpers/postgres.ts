import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the tests may use: MCP_TEST_POSTGRES_URL (set by .ci/run, or your own). */
export const TEST_POSTGRES_URL = process.env.MCP_TEST_POSTGRES_URL ?? null;

export const POSTGRES_SKIP_REASON = 'MCP_TEST_POSTGRES_URL is not set (.ci/run starts a PostgreSQL with pgvector and sets it)';

/** A fresh database on the server at `adminUrl` (default: the test server), dropped by `drop()`. */
export async function createTestDatabase(adminUrl: string | null = TEST_POSTGRES_URL): Promise<{ url: string; drop: () => Promise<void> }> {
  if (adminUrl === null) throw new Error(POSTGRES_SKIP_REASON);
  const name = `mcpmem_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The storage backends the shared end-to-end suites run against. */
export const TEST_BACKENDS: readonly ('sqlite_vec' | 'postgres')[] = TEST_POSTGRES_URL === null ? ['sqlite_vec'] : ['sqlite_vec', 'postgres'];
