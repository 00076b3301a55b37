import { NestFactory } from '@nestjs/core';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createLogger, PinoNestLogger } from '../common/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { createMcpServer } from './mcp-server.factory.js';
import { ServiceToolBackend } from './service-tool-backend.js';
import { StdioAppModule } from './stdio-app.module.js';

/**
 * `mcp-memory mcp`: an MCP server on stdin/stdout working directly on the configured SQLite file.
 * Several such processes may share one file. stdout carries only the protocol; logs go to stderr.
 */
export async function runStdioMcpServer(config: AppConfig): Promise<void> {
  const logger = createLogger(config, 2);
  const app = await NestFactory.createApplicationContext(StdioAppModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  const server = createMcpServer(app.get(ServiceToolBackend));
  let closing = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (closing) return;
    closing = true;
    logger.info({ reason }, 'MCP stdio server stopping');
    await server.close().catch(() => undefined);
    await app.close();
    process.exit(0);
  };
  process.stdin.once('end', () => void shutdown('stdin closed'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await server.connect(new StdioServerTransport());
  logger.info({ database: config.storage.sqlitePath }, 'MCP stdio server ready');
}
