import { readFileSync } from 'node:fs';
import { type AppConfig, readMdnsSettings } from './app-config.js';
import { type LogLevel, readLogLevel } from './log-level.js';
import { ConfigError, type Env, read, readBool, readInt } from './env-readers.js';

export interface DiscoveryConfig {
  readonly mdns: AppConfig['mdns'];
  readonly preferHttps: boolean;
  /** At debug (or trace), each discovery step is printed on stderr. */
  readonly logLevel: LogLevel;
}

export interface BridgeConfig extends DiscoveryConfig {
  /** The remote server's API base, e.g. https://host:8000/api (no trailing slash); null = the default (or discovered) one. */
  readonly endpoint: URL | null;
  readonly apiKey: string | null;
  readonly autoDiscover: boolean;
  readonly tlsInsecure: boolean;
  readonly caFile: string | null;
  readonly ca: Buffer | null;
  /** The manual endpoint's certificate, pinned by its SHA-256 fingerprint (lowercase hex), e.g. the server's generated one. */
  readonly tlsFingerprint: string | null;
  readonly timeoutMs: number;
  readonly retries: number;
}

/** Settings of `mcp-memory discover` (and of the bridge's auto-discovery). */
export function loadDiscoveryConfig(env: Env = process.env): DiscoveryConfig {
  return { mdns: readMdnsSettings(env), preferHttps: readBool(env, 'MCP_MEMORY_PREFER_HTTPS', true), logLevel: readLogLevel(env) };
}

function readEndpoint(raw: string): URL {
  let endpoint: URL;
  try {
    endpoint = new URL(raw.replace(/\/+$/, ''));
  } catch {
    throw new ConfigError('MCP_MEMORY_HTTP_ENDPOINT', `is not a URL: "${raw}"`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    throw new ConfigError('MCP_MEMORY_HTTP_ENDPOINT', `must be an http:// or https:// URL, got "${raw}"`);
  }
  return endpoint;
}

/** MCP_MEMORY_TLS_FINGERPRINT as the server prints it (hex, with or without colons, any case). */
function readFingerprint(env: Env): string | null {
  const raw = read(env, 'MCP_MEMORY_TLS_FINGERPRINT');
  if (raw === undefined) return null;
  const hex = raw.replace(/^sha256[:=]/iu, '').replaceAll(':', '').toLowerCase();
  if (!/^[0-9a-f]{64}$/u.test(hex)) {
    throw new ConfigError('MCP_MEMORY_TLS_FINGERPRINT', 'must be a SHA-256 fingerprint: 64 hex digits (colons allowed), as the server prints it at start');
  }
  return hex;
}

/** Settings of `mcp-memory bridge`, the stdio MCP server that forwards to a remote REST API. */
export function loadBridgeConfig(env: Env = process.env): BridgeConfig {
  const autoDiscover = readBool(env, 'MCP_MEMORY_AUTO_DISCOVER', false);
  const rawEndpoint = read(env, 'MCP_MEMORY_HTTP_ENDPOINT');
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
    ...loadDiscoveryConfig(env),
    endpoint: rawEndpoint === undefined ? null : readEndpoint(rawEndpoint),
    apiKey: read(env, 'MCP_MEMORY_API_KEY') ?? null,
    autoDiscover,
    tlsInsecure: readBool(env, 'MCP_MEMORY_TLS_INSECURE', false),
    caFile,
    ca,
    tlsFingerprint: readFingerprint(env),
    timeoutMs: readInt(env, 'MCP_MEMORY_HTTP_TIMEOUT_MS', 15_000, 100, 600_000),
    retries: readInt(env, 'MCP_MEMORY_HTTP_RETRIES', 3, 0, 10),
  });
}
