import { join, resolve } from 'node:path';

/** The conventional flags every command takes; each wins over its environment variable. */
export interface CommandLineFlags {
  host?: string;
  port?: number;
  dataDir?: string;
}

/** The flags become the environment every command reads its configuration from (the environment stays the fallback). */
export function applyCommandLineFlags(flags: CommandLineFlags, env: NodeJS.ProcessEnv = process.env): void {
  if (flags.host !== undefined) env.MCP_HTTP_HOST = flags.host;
  if (flags.port !== undefined) env.MCP_HTTP_PORT = String(flags.port);
  if (flags.dataDir !== undefined) {
    env.MCP_MEMORY_SQLITE_PATH = join(resolve(flags.dataDir), 'memory.db');
    delete env.MCP_MEMORY_SQLITEVEC_PATH;
  }
}
