import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createApp } from './app.factory.js';
import { type GeneratedApiKey, withGeneratedApiKey } from './auth/generated-api-key.js';
import { createLogger } from './common/logger.js';
import { type AppConfig, isLoopbackHost } from './config/app-config.js';
import { MdnsAdvertiser } from './discovery/mdns-advertiser.service.js';
import { ServerLock } from './storage/sqlite/server-lock.js';
import { certificateSha256, type HttpsCredentials, loadHttpsCredentials } from './https/https-credentials.js';

export interface RunningServer {
  app: NestFastifyApplication;
  url: string;
  https: HttpsCredentials | null;
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

/** The human-readable start-up lines of the deployment guide, on stderr (stdout carries JSON logs). */
export function printBanner({ url, https, mdnsStarted, generatedKey }: RunningServer, config: AppConfig): void {
  const browseUrl = url.replace('://0.0.0.0:', '://localhost:').replace('://[::]:', '://localhost:');
  const lines = [
    `MCP Memory Service ${https ? 'HTTPS' : 'HTTP'} server on ${config.http.host}:${new URL(url).port}`,
    `Dashboard: ${browseUrl}`,
    `API docs:  ${browseUrl}/api/docs`,
    ...(https
      ? [
          `SSL certificate: ${https.certFile}`,
          `SSL key:         ${https.keyFile}`,
          ...(https.selfSigned ? ['NOTE: browsers warn about self-signed certificates; trust the certificate above or accept the warning'] : []),
        ]
      : []),
    ...generatedKeyLines(generatedKey),
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
    ({ config, generated: generatedKey } = withGeneratedApiKey(givenConfig));
  } catch (error) {
    lock?.release();
    throw error;
  }
  if (generatedKey !== null) logger.info({ file: generatedKey.file, created: generatedKey.created }, 'Using the generated API key (MCP_API_KEY is not set)');
  if (config.storage.cloudSyncRequested) {
    logger.warn('MCP_MEMORY_STORAGE_BACKEND=hybrid: Cloudflare sync is not part of this service; running on sqlite_vec (the local store of upstream\'s hybrid backend)');
  }
  if (config.auth.apiKeys.length === 0) {
    logger.warn(
      isLoopbackHost(config.http.host)
        ? 'MCP_API_KEY is not set: anyone on this machine can read and write memories'
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
    app.getHttpAdapter().getInstance().addHook('onClose', (_instance, done) => {
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
  logger.info({ url, docs: `${url}/api/docs`, database: config.storage.sqlitePath }, `MCP Memory Service listening on ${url}`);
  const mdnsStarted = await app.get(MdnsAdvertiser).advertise(port, https !== null, https === null ? null : certificateSha256(https.cert));
  return { app, url, https, mdnsStarted, generatedKey };
}
