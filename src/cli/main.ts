#!/usr/bin/env node
import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { loadBridgeConfig, loadDiscoveryConfig } from '../config/bridge-config.js';
import { runBridge } from '../mcp/bridge/bridge-server.js';
import { runBackupCommand } from './backup-command.js';
import { runDiscoverCommand } from './discover-command.js';
import { runMigrateCommand } from './migrate-command.js';
import { createLogger } from '../common/logger.js';
import { printBanner, type RunningServer, startServer } from '../main.js';
import { runStdioMcpServer } from '../mcp/stdio-server.js';

const USAGE = `Usage: mcp-memory [command]

Commands:
  serve   start the HTTP server (default); configured by MCP_* environment variables
  mcp     MCP server on stdin/stdout using the local database file (MCP_MEMORY_SQLITE_PATH)
  bridge  MCP server on stdin/stdout forwarding to a remote server (MCP_MEMORY_HTTP_ENDPOINT)
  backup  create | list | verify ID | restore ID (see mcp-memory backup help)
  discover  list memory servers advertised on the LAN (mDNS) and the one a client would pick
  migrate --from X --to Y   copy all memories between a SQLite file and PostgreSQL (either way)
  help    show this text`;

async function serve(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  // Signals are handled from the first moment: one that arrives during start-up stops the server
  // as soon as it is up, cleanly.
  let stopSignal: string | null = null;
  let server: RunningServer | null = null;
  const stop = (): void => {
    if (server === null || stopSignal === null) return;
    logger.info({ signal: stopSignal }, 'Shutting down');
    // A stuck close must not keep the process alive forever.
    setTimeout(() => process.exit(1), 10_000).unref();
    server.app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Error during shutdown');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: string): void => {
    if (stopSignal !== null) return;
    stopSignal = signal;
    stop();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  server = await startServer(config, logger);
  printBanner(server, config);
  stop();
}

async function main(command: string | undefined): Promise<void> {
  switch (command ?? 'serve') {
    case 'serve':
      return serve();
    case 'mcp':
      return runStdioMcpServer(loadConfig());
    case 'bridge':
      return runBridge(loadBridgeConfig());
    case 'migrate':
      process.exitCode = await runMigrateCommand(process.argv.slice(3));
      return;
    case 'discover':
      process.exitCode = await runDiscoverCommand(loadDiscoveryConfig());
      return;
    case 'backup':
      process.exitCode = await runBackupCommand(process.argv.slice(3), loadConfig());
      return;
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      console.error(`Unknown command "${command}"\n\n${USAGE}`);
      process.exit(2);
  }
}

main(process.argv[2]).catch((error: unknown) => {
  // Start-up errors (configuration, database file, model) already name what to fix.
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  console.error(`mcp-memory: ${message}`);
  process.exit(1);
});
