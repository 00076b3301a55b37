import { readFileSync } from 'node:fs';
import { type LogLevel, readLogLevel } from './log-level.js';
import { ConfigError, type Env, read, readBool, readInt } from './env-readers.js';

export interface BridgeConfig {
  /** The remote server's API base, e.g. https://host:8000/api (no trailing slash). */
  readonly endpoint: URL;
  readonly apiKey: string | null;
  readonly autoDiscover: boolean;
  readonly preferHttps: boolean;
  readonly tlsInsecure: boolean;
  readonly caFile: string | null;
  readonly ca: Buffer | null;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly logLevel: LogLevel;
}

/** Settings of `mcp-memory bridge`, the stdio MCP server that forwards to a remote REST API. */
export function loadBridgeConfig(env: Env = process.env): BridgeConfig {
  const autoDiscover = readBool(env, 'MCP_MEMORY_AUTO_DISCOVER', false);
  const rawEndpoint = read(env, 'MCP_MEMORY_HTTP_ENDPOINT');
  if (rawEndpoint === undefined) {
    throw new ConfigError(
      'MCP_MEMORY_HTTP_ENDPOINT',
      autoDiscover
        ? 'is required: mDNS auto-discovery (MCP_MEMORY_AUTO_DISCOVER) is not available in this version yet; set the endpoint, e.g. http://memory-server:8000/api'
        : 'is required, e.g. http://memory-server:8000/api',
    );
  }
  let endpoint: URL;
  try {
    endpoint = new URL(rawEndpoint.replace(/\/+$/, ''));
  } catch {
    throw new ConfigError('MCP_MEMORY_HTTP_ENDPOINT', `is not a URL: "${rawEndpoint}"`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    throw new ConfigError('MCP_MEMORY_HTTP_ENDPOINT', `must be an http:// or https:// URL, got "${rawEndpoint}"`);
  }
  const caFile = read(env, 'MCP_MEMORY_CA_FILE') ?? null;
  let ca: Buffer | null = null;
  if (caFile !== null) {
    try {
      ca = readFileSync(caFile);
    } catch (error) {
      throw new ConfigError('MCP_MEMORY_CA_FILE', `cannot be read (${caFile}): ${(error as Error).message}`);
    }
  }
  return Object.freeze({
    endpoint,
    apiKey: read(env, 'MCP_MEMORY_API_KEY') ?? null,
    autoDiscover,
    preferHttps: readBool(env, 'MCP_MEMORY_PREFER_HTTPS', true),
    tlsInsecure: readBool(env, 'MCP_MEMORY_TLS_INSECURE', false),
    caFile,
    ca,
    timeoutMs: readInt(env, 'MCP_MEMORY_HTTP_TIMEOUT_MS', 15_000, 100, 600_000),
    retries: readInt(env, 'MCP_MEMORY_HTTP_RETRIES', 3, 0, 10),
    logLevel: readLogLevel(env),
  });
}
