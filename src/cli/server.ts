import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createApp } from '../app.factory.js';
import { type GeneratedApiKey, withGeneratedApiKey } from '../auth/generated-api-key.js';
import { readKeysFile } from '../auth/keys-file.js';
import { createLogger } from '../common/logger.js';
import { type AppConfig, isLoopbackHost } from '../config/app-config.js';
import { MdnsAdvertiser } from '../discovery/mdns-advertiser.service.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { statSync } from 'node:fs';
import { ServerLock } from '../storage/sqlite/server-lock.js';
import { certificateSha256, type HttpsCredentials, loadHttpsCredentials } from '../https/https-credentials.js';

export interface RunningServer {
  app: NestFastifyApplication;
  url: string;
  https: HttpsCredentials | null;
  /** The SHA-256 fingerprint of the certificate served (HTTPS): advertised, logged and printed for clients to pin. */
  certSha256: string | null;
  mdnsStarted: boolean;
  /** The key this server generated (or reused) because it listens beyond loopback without MCP_API_KEY. */
  generatedKey: GeneratedApiKey | null;
}

/** How the banner tells the operator about a generated key: the key itself only when it was created. */
function generatedKeyLines(generated: GeneratedApiKey | null): string[] {
  if (generated === null) return [];
  const readAgain = `read it again with: cat ${generated.file}`;
  return generated.created
    ? [
        `API key (generated, MCP_API_KEY was not set): ${generated.key}`,
        `  saved to ${generated.file} (mode 0600) and reused on every start; ${readAgain}`,
        '  clients send it as "Authorization: Bearer <key>" (or X-API-Key); set MCP_API_KEY to choose your own',
      ]
    : [`API key: the one generated earlier, in ${generated.file}; ${readAgain}`];
}

/** Whether clients need a key, in one line (the generated key has its own lines). */
function keyLine(config: AppConfig, generated: GeneratedApiKey | null): string[] {
  if (generated !== null) return [];
  const keys = config.auth.apiKeys.length;
  const file = config.auth.keysFile === null ? [] : [`API keys: labelled keys from ${config.auth.keysFile}`];
  if (keys > 0) return [`API key: set (${keys === 1 ? 'one key' : `${keys} keys`}, from MCP_API_KEY)`, ...file];
  // No key: the start-up warning already said so, once.
  return file;
}

const megabytes = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;

function databaseLine(config: AppConfig): string {
  if (config.storage.postgres !== null) {
    const url = new URL(config.storage.postgres.url);
    return `Database: PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname} (pgvector)`;
  }
  let size = 0;
  for (const suffix of ['', '-wal']) {
    try {
      size += statSync(`${config.storage.sqlitePath}${suffix}`).size;
    } catch {
      // No WAL file yet.
    }
  }
  return `Database: ${config.storage.sqlitePath} (${megabytes(size)})`;
}

function backupLine(config: AppConfig): string {
  if (config.storage.postgres !== null) return 'Backups: by PostgreSQL (pg_dump or your provider), not this server';
  const where = `into ${config.backups.dir}, keeping ${config.backups.retention}`;
  return config.backups.schedule === null
    ? `Backups: on request only (MCP_BACKUP_SCHEDULE unset), ${where}`
    : `Backups: scheduled "${config.backups.schedule}", ${where}`;
}

/**
 * The human-readable start-up summary, on stderr (stdout carries the logs): the deployment guide's
 * lines (where it is, dashboard, docs, certificate), then whether a key is needed, the database,
 * the model, backups, HTTPS and mDNS.
 */
export function printBanner({ app, url, https, certSha256, mdnsStarted, generatedKey }: RunningServer, config: AppConfig): void {
  const model = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER);
  const browseUrl = url.replace('://0.0.0.0:', '://localhost:').replace('://[::]:', '://localhost:');
  const lines = [
    `MCP Memory Service ${https ? 'HTTPS' : 'HTTP'} server on ${config.http.host}:${new URL(url).port}`,
    `Dashboard: ${browseUrl}`,
    `API docs:  ${browseUrl}/api/docs`,
    ...(https
      ? [
          `SSL certificate: ${https.certFile}`,
          `SSL key:         ${https.keyFile}`,
          // What a bridge or client given this server by hand pins, instead of trusting any certificate.
          `SSL certificate SHA-256: ${certSha256} (clients pin it: MCP_MEMORY_TLS_FINGERPRINT)`,
          ...(https.selfSigned ? ['NOTE: browsers warn about self-signed certificates; trust the certificate above or accept the warning'] : []),
        ]
      : ['HTTPS: off (MCP_HTTPS_ENABLED=true, or TLS in a reverse proxy)']),
    ...keyLine(config, generatedKey),
    ...generatedKeyLines(generatedKey),
    databaseLine(config),
    `Embedding model: ${model.modelId} (${model.dimension}-d)`,
    backupLine(config),
    `mDNS advertisement: ${
      mdnsStarted
        ? `started (${config.mdns.serviceType})`
        : !config.mdns.enabled
          ? 'disabled'
          : isLoopbackHost(config.http.host)
            ? 'not started (loopback bind: no other machine can reach this server)'
            : 'unavailable'
    }`,
    'Press Ctrl+C to stop',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Creates the app, listens (HTTP or HTTPS), advertises it on the LAN, and reports where it is. */
export async function startServer(givenConfig: AppConfig, logger: Logger = createLogger(givenConfig)): Promise<RunningServer> {
  // One server per SQLite file (stdio `mcp` processes may share it); released when the app closes.
  const lock = givenConfig.storage.postgres === null ? ServerLock.acquire(givenConfig.storage.sqlitePath) : null;
  let config: AppConfig;
  let generatedKey: GeneratedApiKey | null;
  try {
    // A keys file that cannot be used stops start-up here, naming it, before any worker starts.
    if (givenConfig.auth.keysFile !== null) readKeysFile(givenConfig.auth.keysFile, { mustExist: true });
    ({ config, generated: generatedKey } = withGeneratedApiKey(givenConfig));
  } catch (error) {
    lock?.release();
    throw error;
  }
  if (generatedKey !== null) logger.info({ file: generatedKey.file, created: generatedKey.created }, 'Using the generated API key (MCP_API_KEY is not set)');
  if (config.storage.cloudSyncRequested) {
    logger.warn(
      "MCP_MEMORY_STORAGE_BACKEND=hybrid: Cloudflare sync is not part of this service; running on sqlite_vec (the local store of upstream's hybrid backend)",
    );
  }
  if (config.auth.apiKeys.length === 0 && config.auth.keysFile === null) {
    logger.warn(
      isLoopbackHost(config.http.host)
        ? 'MCP_API_KEY is not set: anyone on this machine can read and write memories (web pages are refused)'
        : 'MCP_API_KEY is not set and MCP_ALLOW_ANONYMOUS_ACCESS=true: anyone who can reach this port can read and write memories',
    );
  }
  const weak = config.auth.apiKeys.filter((key) => key.length < 16).length;
  if (weak > 0) logger.warn(`${weak} API key(s) are shorter than 16 characters; make keys with e.g. openssl rand -base64 32`);
  let app: NestFastifyApplication;
  let https: HttpsCredentials | null;
  try {
    https = config.https.enabled ? await loadHttpsCredentials(config) : null;
    app = await createApp(config, logger, https);
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onClose', (_instance, done) => {
        lock?.release();
        done();
      });
  } catch (error) {
    lock?.release();
    throw error;
  }
  try {
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.http.port;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  const url = `${https ? 'https' : 'http'}://${host}:${port}`;
  const certSha256 = https === null ? null : certificateSha256(https.cert);
  logger.info(
    { url, docs: `${url}/api/docs`, database: config.storage.sqlitePath, ...(certSha256 === null ? {} : { cert_sha256: certSha256 }) },
    `MCP Memory Service listening on ${url}`,
  );
  const mdnsStarted = await app.get(MdnsAdvertiser).advertise(port, https !== null, certSha256);
  return { app, url, https, certSha256, mdnsStarted, generatedKey };
}
