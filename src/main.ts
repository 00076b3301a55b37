import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createApp } from './app.factory.js';
import { createLogger } from './common/logger.js';
import { type AppConfig, isLoopbackHost } from './config/app-config.js';

export interface RunningServer {
  app: NestFastifyApplication;
  url: string;
}

/** Creates the app, listens, and reports where it is reachable. */
export async function startServer(config: AppConfig, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  if (config.auth.apiKeys.length === 0) {
    logger.warn(
      isLoopbackHost(config.http.host)
        ? 'MCP_API_KEY is not set: anyone on this machine can read and write memories'
        : 'MCP_API_KEY is not set and MCP_ALLOW_ANONYMOUS_ACCESS=true: anyone who can reach this port can read and write memories',
    );
  }
  const app = await createApp(config, logger);
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.http.port;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, docs: `${url}/api/docs`, database: config.storage.sqlitePath }, `MCP Memory Service listening on ${url}`);
  return { app, url };
}
