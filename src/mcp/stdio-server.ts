import { NestFactory } from '@nestjs/core';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createLogger, PinoNestLogger } from '../common/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { createMcpServer } from './mcp-server.factory.js';
import { ServiceToolBackend } from './service-tool-backend.js';
import { StdioAppModule } from './stdio-app.module.js';

/** A running stdio MCP server; `close` stops it and frees the database. */
export interface StdioMcpServer {
  close(reason: string): Promise<void>;
}

/**
 * An MCP server on stdin/stdout working directly on the configured SQLite file (`mcp-memory mcp`).
 * Several such processes may share one file. stdout carries only the protocol; logs go to stderr.
 */
export async function startStdioMcpServer(config: AppConfig): Promise<StdioMcpServer> {
  const logger = createLogger(config, 2);
  const app = await NestFactory.createApplicationContext(StdioAppModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  const server = createMcpServer(app.get(ServiceToolBackend));
  await server.connect(new StdioServerTransport());
  logger.info({ database: config.storage.sqlitePath }, 'MCP stdio server ready');
  return {
    close: async (reason) => {
      logger.info({ reason }, 'MCP stdio server stopping');
      await server.close().catch(() => undefined);
      await app.close();
    },
  };
}
