import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/app-config.js';
import { type RunningServer, startServer } from '../../src/cli/server.js';
import { createTestDatabase } from './postgres.js';

export interface TestServer extends RunningServer {
  dir: string;
  dbPath: string;
  /** Every JSON log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Raw log text, for asserting that a secret never appears. */
  rawLogs(): string;
  /** Stops the server; the temp directory stays until cleanup(). */
  stop(): Promise<void>;
  /** Stops the server if running and removes its temp directory. */
  cleanup(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  /** Reuse a directory (and database) from an earlier server. */
  dir?: string;
  /** postgres: a fresh database on MCP_TEST_POSTGRES_URL, dropped by cleanup(). */
  backend?: 'sqlite_vec' | 'postgres';
}

export function makeTempDir(prefix = 'mcp-memory-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts the real application on a free loopback port with its own temp database. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? makeTempDir();
  const dbPath = join(dir, 'memory.db');
  const postgres = options.backend === 'postgres' ? await createTestDatabase() : null;
  const config = loadConfig({
    MCP_HTTP_HOST: '127.0.0.1',
    MCP_HTTP_PORT: '0',
    MCP_MEMORY_SQLITE_PATH: dbPath,
    MCP_MDNS_ENABLED: 'false',
    LOG_LEVEL: 'info',
    ...(postgres ? { MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: postgres.url } : {}),
    ...options.env,
  });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  const logger = createLogger(config, sink as unknown as pino.DestinationStream);
  let running: RunningServer;
  try {
    running = await startServer(config, logger);
  } catch (error) {
    await postgres?.drop();
    throw error;
  }
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await running.app.close();
  };
  return {
    ...running,
    dir,
    dbPath,
    get logs() {
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    rawLogs: () => lines.join('\n'),
    stop,
    async cleanup() {
      await stop();
      await postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
