import { validateCronExpression } from 'cron';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, type Env, read, readBool, readChoice, readInt, readList, readFloat } from './env-readers.js';
import { type LogFormat, type LogLevel, readLogFile, readLogFormat, readLogLevel } from './log-level.js';
import { parseSqlitePragmas, PragmaParseError, type SqlitePragma } from './sqlite-pragmas.js';
import { readSearchConfig, type SearchConfig } from './search-config.js';
import { type OAuthConfig, readOAuthConfig } from './oauth-config.js';
import { type AllowedHosts, isLoopbackHost, readAllowedHosts, readTrustProxy, type TrustProxy } from './web-access.js';
import { usableCpus } from './cpus.js';
import { defaultDataDir } from './installation.js';

export { LOG_LEVELS, type LogLevel } from './log-level.js';

/**
 * The default near-duplicate threshold (cosine of the default model), measured by
 * bench/quality/near-duplicates.ts on a held-out half of the project's own corpus: see docs/teams.md.
 */
export const DEFAULT_DUPLICATE_SIMILARITY = 0.92;

/**
 * MCP_HTTP_ROOT_PATH as upstream normalizes it: one trailing slash dropped, "/" meaning none; a
 * URL, a query or fragment, a backslash, "//", "." or ".." segments, an encoded slash, white space
 * or a control character is refused.
 */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const UNSAFE_IN_ROOT_PATH = /[?#\\\s]|[\u0000-\u001f\u007f]|%2f|%5c/i;

export function readRootPath(env: NodeJS.ProcessEnv): string {
  const raw = env.MCP_HTTP_ROOT_PATH;
  if (raw === undefined || raw === '' || raw === '/') return '';
  const path = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  const problem = !path.startsWith('/')
    ? 'does not start with /'
    : UNSAFE_IN_ROOT_PATH.test(path)
      ? 'holds a character a path prefix cannot (?, #, \\, white space, a control character or an encoded slash)'
      : path.includes('//')
        ? 'holds an empty segment (//)'
        : path.split('/').some((segment) => segment === '.' || segment === '..')
          ? 'holds a . or .. segment'
          : null;
  if (problem !== null) throw new ConfigError('MCP_HTTP_ROOT_PATH', `${problem}: "${raw.slice(0, 80)}" (give a path such as /memory)`);
  return path;
}

export interface AppConfig {
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** Which proxies' X-Forwarded-* headers decide the client address (limits, logs) and host. */
    readonly trustProxy: TrustProxy;
    /** Host header names answered (DNS-rebinding protection). */
    readonly allowedHosts: AllowedHosts;
    /** The path prefix behind a reverse proxy ("/memory"), or "" (MCP_HTTP_ROOT_PATH). */
    readonly rootPath: string;
  };
  readonly auth: {
    readonly apiKeys: readonly string[];
    /** MCP_API_KEYS_FILE: labelled keys with scopes (read, write, admin); re-read on change and SIGHUP. */
    readonly keysFile: string | null;
    /**
     * Where the key generated for a non-loopback bind without MCP_API_KEY is kept (beside the
     * database; created once, then reused); null when keys are given or none is needed.
     */
    readonly generatedKeyFile: string | null;
    readonly allowAnonymous: boolean;
    /** Wrong keys one client address may present per window before it gets 429. */
    readonly maxFailures: number;
    readonly failureWindowSeconds: number;
  };
  /** OAuth 2.1 authorization for /mcp (remote connectors). */
  readonly oauth: OAuthConfig;
  /** null = CORS disabled; '*' = any origin. */
  readonly corsOrigins: '*' | readonly string[] | null;
  readonly storage: {
    readonly backend: 'sqlite_vec' | 'postgres';
    /** Upstream's `hybrid` (SQLite plus Cloudflare sync) runs as sqlite_vec: said once at start. */
    readonly cloudSyncRequested: boolean;
    /** Set when backend is postgres. */
    readonly postgres: { readonly url: string; readonly poolSize: number; readonly efSearch: number } | null;
    readonly sqlitePath: string;
    readonly pragmas: readonly SqlitePragma[];
    /** How long a write waits for another process's lock before giving up with 503. */
    readonly busyBudgetMs: number;
    /** A database in a cloud-sync folder or on a network filesystem runs (rollback journal) instead of refusing. */
    readonly allowSharedStorage: boolean;
    /** Checked when the database is opened. */
    readonly integrityCheck: 'quick' | 'full' | 'off';
    /** Retention of the change log that feeds events and resume. */
    readonly changeLog: { readonly maxRows: number; readonly maxBytes: number };
    /** The approximate-nearest-neighbour index beside the file: auto (from `annThreshold` memories), on, off. */
    readonly ann: 'auto' | 'on' | 'off';
    readonly annThreshold: number;
    /** Threads running searches and scans off the event loop. */
    readonly readWorkers: number;
    /** Matches the keyword index ranks by BM25 in one search; commoner terms are added to its best candidates (docs/search.md). */
    readonly keywordBudget: number;
  };
  /** `workers`: model worker threads (concurrent queries are embedded in parallel). */
  readonly embeddings: { readonly model: string; readonly modelsDir: string | null; readonly workers: number };
  readonly search: SearchConfig;
  readonly limits: { readonly maxContentBytes: number };
  /** Memories that expired are purged (deleted, with their events) this often; reads leave them out at once. */
  readonly expiry: { readonly purgeSeconds: number };
  /** Access counts (ranked search, stale lists) are written every this many seconds. */
  readonly access: { readonly flushSeconds: number };
  /** A store reports memories of its space at least this similar (cosine) as near-duplicates; 0: off. */
  readonly duplicates: { readonly similarity: number };
  /** A stored conversation (memory_store_session, POST /api/sessions) is also kept turn by turn, each turn a memory. */
  readonly sessions: { readonly turnMemories: boolean };
  /** The dashboard's Overview: how often the database size is sampled (kept in memory, 48 hours at the default). */
  readonly stats: { readonly sizeSampleSeconds: number };
  /** Prometheus metrics at /metrics (with a key), and without a key on a port of their own when given. */
  readonly metrics: { readonly enabled: boolean; readonly port: number | null; readonly host: string };
  readonly events: {
    readonly heartbeatSeconds: number;
    /** Events kept in memory for clients that resume with Last-Event-ID: at most this many... */
    readonly replayBufferSize: number;
    /** ...and at most this many bytes of serialized events. */
    readonly replayBufferBytes: number;
    /** Unsent bytes a stream may queue before the client is judged too slow and disconnected. */
    readonly clientQueueBytes: number;
  };
  readonly backups: {
    readonly dir: string;
    /** A cron expression, or null when scheduled backups are off. */
    readonly schedule: string | null;
    readonly retention: number;
  };
  readonly https: {
    readonly enabled: boolean;
    /** Operator-provided files; both null means a generated self-signed certificate. */
    readonly certFile: string | null;
    readonly keyFile: string | null;
    /** Where the generated certificate is kept and reused. */
    readonly certDir: string;
  };
  readonly mdns: {
    readonly enabled: boolean;
    readonly serviceName: string;
    readonly serviceType: string;
    readonly discoveryTimeoutSeconds: number;
    /** Interface name or address; null = all. */
    readonly interface: string | null;
  };
  readonly mcp: {
    /** Streamable HTTP sessions idle this long are closed. */
    readonly sessionIdleSeconds: number;
    readonly maxSessions: number;
    readonly maxSessionsPerKey: number;
  };
  readonly logLevel: LogLevel;
  /** Logs are appended here too (MCP_LOG_FILE); null = console only. */
  readonly logFile: string | null;
  readonly logFormat: LogFormat;
  /** Test-only: the process kills itself at this named step (crash tests of restore). */
  readonly faultPoint: string | null;
}

/** Read worker threads when MCP_MEMORY_READ_WORKERS is unset: one per usable CPU, 1 to 4. */
export function defaultReadWorkers(): number {
  return Math.min(4, usableCpus());
}

/** Two model threads where two CPUs are usable: concurrent queries are embedded in parallel (each holds a copy of the model). */
export function defaultEmbeddingWorkers(): number {
  return Math.min(2, usableCpus());
}

export const DEFAULT_MDNS_SERVICE_TYPE = '_mcp-memory._tcp.local.';

export function readMdnsSettings(env: Env): AppConfig['mdns'] {
  const serviceType = read(env, 'MCP_MDNS_SERVICE_TYPE') ?? DEFAULT_MDNS_SERVICE_TYPE;
  if (!/^_[a-z0-9-]{1,15}\._(tcp|udp)(\.local\.?)?$/i.test(serviceType)) {
    throw new ConfigError('MCP_MDNS_SERVICE_TYPE', `must look like _name._tcp.local., got "${serviceType}"`);
  }
  const serviceName = read(env, 'MCP_MDNS_SERVICE_NAME') ?? 'MCP Memory Service';
  if (serviceName.length > 63) throw new ConfigError('MCP_MDNS_SERVICE_NAME', 'must be at most 63 characters');
  return Object.freeze({
    enabled: readBool(env, 'MCP_MDNS_ENABLED', true),
    serviceName,
    serviceType,
    discoveryTimeoutSeconds: readInt(env, 'MCP_MDNS_DISCOVERY_TIMEOUT', 5, 1, 120),
    interface: read(env, 'MCP_MDNS_INTERFACE') ?? null,
  });
}

function readHttps(env: Env, dataDir: string): AppConfig['https'] {
  const certFile = read(env, 'MCP_SSL_CERT_FILE');
  const keyFile = read(env, 'MCP_SSL_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(certFile === undefined ? 'MCP_SSL_CERT_FILE' : 'MCP_SSL_KEY_FILE', 'must be set together with the other one (certificate and key)');
  }
  return Object.freeze({
    enabled: readBool(env, 'MCP_HTTPS_ENABLED', false),
    certFile: certFile === undefined ? null : resolve(certFile),
    keyFile: keyFile === undefined ? null : resolve(keyFile),
    certDir: resolve(read(env, 'MCP_SSL_CERT_DIR') ?? join(dataDir, 'certs')),
  });
}

/** Named schedules accepted in MCP_BACKUP_SCHEDULE besides cron expressions. */
export const NAMED_SCHEDULES: Record<string, string> = {
  hourly: '0 * * * *',
  daily: '0 2 * * *',
  weekly: '0 3 * * 0',
};

function readSchedule(env: Env): string | null {
  const raw = read(env, 'MCP_BACKUP_SCHEDULE');
  if (raw === undefined) return null;
  const named = NAMED_SCHEDULES[raw.toLowerCase()];
  if (named) return named;
  const check = validateCronExpression(raw);
  if (!check.valid) {
    throw new ConfigError('MCP_BACKUP_SCHEDULE', `must be hourly, daily, weekly or a cron expression, got "${raw}" (${check.error?.message ?? 'invalid'})`);
  }
  return raw;
}

export { ConfigError } from './env-readers.js';

export const DEFAULT_EMBEDDING_MODEL = 'use-lite';

function readCors(env: Env): AppConfig['corsOrigins'] {
  const origins = readList(env, 'MCP_CORS_ORIGINS');
  if (origins.length === 0) return null;
  if (origins.includes('*')) return '*';
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError('MCP_CORS_ORIGINS', `contains "${origin}", which is not an origin like https://host:port`);
    }
    if (url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError('MCP_CORS_ORIGINS', `contains "${origin}"; an origin has no path, query or fragment`);
    }
  }
  return origins.map((o) => o.replace(/\/$/, ''));
}

export { isLoopbackHost };

/** Reads and validates the whole configuration once; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const host = read(env, 'MCP_HTTP_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:_-]+$/.test(host)) throw new ConfigError('MCP_HTTP_HOST', `is not a host name or address: "${host}"`);
  const port = readInt(env, 'MCP_HTTP_PORT', 8000, 0, 65535);

  const requestedBackend = (read(env, 'MCP_MEMORY_STORAGE_BACKEND') ?? 'sqlite_vec').toLowerCase();
  // Upstream's `hybrid` is its local SQLite-vec store plus a Cloudflare copy: here, the local half.
  const backend = requestedBackend === 'hybrid' ? 'sqlite_vec' : requestedBackend;
  if (backend !== 'sqlite_vec' && backend !== 'postgres') {
    throw new ConfigError(
      'MCP_MEMORY_STORAGE_BACKEND',
      `must be "sqlite_vec" (or upstream's "hybrid", which runs as sqlite_vec) or "postgres", got "${requestedBackend}"`,
    );
  }
  // MCP_MEMORY_SQLITEVEC_PATH is upstream's other name for the same setting.
  const sqlitePath = resolve(read(env, 'MCP_MEMORY_SQLITE_PATH') ?? read(env, 'MCP_MEMORY_SQLITEVEC_PATH') ?? join(defaultDataDir(), 'memory.db'));

  const apiKeys = readList(env, 'MCP_API_KEY');
  const keysFileSetting = read(env, 'MCP_API_KEYS_FILE');
  const keysFile = keysFileSetting === undefined ? null : resolve(keysFileSetting);
  const allowAnonymous = readBool(env, 'MCP_ALLOW_ANONYMOUS_ACCESS', false);
  const needsKey = apiKeys.length === 0 && keysFile === null && !allowAnonymous && !isLoopbackHost(host);
  if (needsKey && backend === 'postgres') {
    // Replicas share no directory to keep a generated key in, and must all accept the same one.
    throw new ConfigError(
      'MCP_API_KEY',
      `is not set while MCP_HTTP_HOST=${host} accepts connections from other machines; replicas on PostgreSQL need one shared key: set MCP_API_KEY (or MCP_ALLOW_ANONYMOUS_ACCESS=true to run without authentication)`,
    );
  }
  const generatedKeyFile = needsKey ? join(dirname(sqlitePath), 'api-key') : null;
  const postgresUrl = read(env, 'MCP_POSTGRES_URL');
  if (backend === 'postgres' && postgresUrl === undefined) {
    throw new ConfigError('MCP_POSTGRES_URL', 'is required when MCP_MEMORY_STORAGE_BACKEND=postgres (e.g. postgres://user:pass@host:5432/memory)');
  }
  if (postgresUrl !== undefined && !/^postgres(ql)?:\/\//.test(postgresUrl)) {
    throw new ConfigError('MCP_POSTGRES_URL', 'must be a postgres:// connection string');
  }

  let pragmas: SqlitePragma[];
  try {
    pragmas = parseSqlitePragmas(env.MCP_MEMORY_SQLITE_PRAGMAS);
  } catch (error) {
    if (error instanceof PragmaParseError) throw new ConfigError('MCP_MEMORY_SQLITE_PRAGMAS', error.message);
    throw error;
  }

  const modelsDir = read(env, 'MCP_MEMORY_MODELS_DIR');

  return Object.freeze({
    http: Object.freeze({
      host,
      port,
      trustProxy: readTrustProxy(env),
      allowedHosts: readAllowedHosts(env, host, apiKeys.length > 0 || keysFile !== null || generatedKeyFile !== null),
      rootPath: readRootPath(env),
    }),
    auth: Object.freeze({
      apiKeys: Object.freeze(apiKeys),
      keysFile,
      generatedKeyFile,
      allowAnonymous,
      maxFailures: readInt(env, 'MCP_AUTH_MAX_FAILURES', 10, 1, 1_000_000),
      failureWindowSeconds: readInt(env, 'MCP_AUTH_FAILURE_WINDOW_SECONDS', 60, 1, 86_400),
    }),
    oauth: readOAuthConfig(env, host, apiKeys.length > 0 || keysFile !== null || generatedKeyFile !== null),
    corsOrigins: readCors(env),
    storage: Object.freeze({
      backend,
      cloudSyncRequested: requestedBackend === 'hybrid',
      postgres:
        backend === 'postgres'
          ? Object.freeze({
              url: postgresUrl!,
              poolSize: readInt(env, 'MCP_POSTGRES_POOL_SIZE', 10, 1, 1000),
              efSearch: readInt(env, 'MCP_POSTGRES_EF_SEARCH', 100, 1, 1000),
            })
          : null,
      sqlitePath,
      pragmas: Object.freeze(pragmas),
      busyBudgetMs: readInt(env, 'MCP_MEMORY_SQLITE_BUSY_BUDGET_MS', 30_000, 100, 600_000),
      allowSharedStorage: readBool(env, 'MCP_MEMORY_ALLOW_NETWORK_FS', false),
      integrityCheck: readChoice(env, 'MCP_MEMORY_STARTUP_CHECK', ['quick', 'full', 'off'] as const, 'quick'),
      ann: readChoice(env, 'MCP_MEMORY_ANN', ['auto', 'on', 'off'] as const, 'auto'),
      annThreshold: readInt(env, 'MCP_MEMORY_ANN_THRESHOLD', 10_000, 0, 1_000_000_000),
      readWorkers: readInt(env, 'MCP_MEMORY_READ_WORKERS', defaultReadWorkers(), 1, 64),
      keywordBudget: readInt(env, 'MCP_MEMORY_KEYWORD_BUDGET', 10_000, 100, 1_000_000_000),
      changeLog: Object.freeze({
        maxRows: readInt(env, 'MCP_CHANGE_LOG_MAX_ROWS', 10_000, 100, 10_000_000),
        maxBytes: readInt(env, 'MCP_CHANGE_LOG_MAX_BYTES', 16 * 1_048_576, 65_536, 4 * 1_073_741_824),
      }),
    }),
    embeddings: Object.freeze({
      model: read(env, 'MCP_EMBEDDING_MODEL') ?? DEFAULT_EMBEDDING_MODEL,
      modelsDir: modelsDir === undefined ? null : resolve(modelsDir),
      workers: readInt(env, 'MCP_EMBEDDING_WORKERS', defaultEmbeddingWorkers(), 1, 16),
    }),
    search: readSearchConfig(env),
    limits: Object.freeze({
      maxContentBytes: readInt(env, 'MCP_MEMORY_MAX_CONTENT_BYTES', 1_048_576, 1, 64 * 1_048_576),
    }),
    expiry: Object.freeze({ purgeSeconds: readInt(env, 'MCP_EXPIRY_PURGE_SECONDS', 60, 1, 86_400) }),
    access: Object.freeze({ flushSeconds: readInt(env, 'MCP_ACCESS_FLUSH_SECONDS', 10, 1, 3_600) }),
    duplicates: Object.freeze({ similarity: readFloat(env, 'MCP_DUPLICATE_SIMILARITY', DEFAULT_DUPLICATE_SIMILARITY, 0, 1) }),
    sessions: Object.freeze({ turnMemories: readBool(env, 'MCP_SESSION_TURN_MEMORIES', true) }),
    stats: Object.freeze({ sizeSampleSeconds: readInt(env, 'MCP_STATS_SIZE_SAMPLE_SECONDS', 300, 1, 86_400) }),
    metrics: Object.freeze({
      enabled: readBool(env, 'MCP_METRICS_ENABLED', false),
      port: env.MCP_METRICS_PORT === undefined || env.MCP_METRICS_PORT.trim() === '' ? null : readInt(env, 'MCP_METRICS_PORT', 0, 0, 65_535),
      host: env.MCP_METRICS_HOST?.trim() || host,
    }),
    events: Object.freeze({
      // MCP_SSE_HEARTBEAT is upstream's name for the same setting.
      heartbeatSeconds: readInt(
        env,
        read(env, 'MCP_SSE_HEARTBEAT_SECONDS') === undefined && read(env, 'MCP_SSE_HEARTBEAT') !== undefined
          ? 'MCP_SSE_HEARTBEAT'
          : 'MCP_SSE_HEARTBEAT_SECONDS',
        15,
        1,
        3600,
      ),
      replayBufferSize: readInt(env, 'MCP_SSE_REPLAY_BUFFER', 1000, 0, 1_000_000),
      replayBufferBytes: readInt(env, 'MCP_SSE_REPLAY_BUFFER_BYTES', 8 * 1_048_576, 0, 1_073_741_824),
      clientQueueBytes: readInt(env, 'MCP_SSE_CLIENT_QUEUE_BYTES', 4 * 1_048_576, 65_536, 1_073_741_824),
    }),
    backups: Object.freeze({
      dir: resolve(read(env, 'MCP_BACKUP_DIR') ?? join(dirname(sqlitePath), 'backups')),
      schedule: readSchedule(env),
      retention: readInt(env, 'MCP_BACKUP_RETENTION', 7, 1, 10_000),
    }),
    https: readHttps(env, dirname(sqlitePath)),
    mdns: readMdnsSettings(env),
    mcp: Object.freeze({
      sessionIdleSeconds: readInt(env, 'MCP_HTTP_SESSION_IDLE_SECONDS', 1800, 10, 7 * 86_400),
      maxSessions: readInt(env, 'MCP_HTTP_MAX_SESSIONS', 200, 1, 100_000),
      maxSessionsPerKey: readInt(env, 'MCP_HTTP_MAX_SESSIONS_PER_KEY', 50, 1, 100_000),
    }),
    logLevel: readLogLevel(env),
    logFile: readLogFile(env),
    logFormat: readLogFormat(env),
    faultPoint: read(env, 'MCP_TEST_FAULT_POINT') ?? null,
  });
}
