import { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import { createLogger } from '../common/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { printBanner, type RunningServer, startServer } from './server.js';

/** How long a stuck shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/** `mcp-memory serve`: starts the HTTP server and stops it cleanly on SIGINT/SIGTERM. */
export async function serve(config: AppConfig): Promise<void> {
  const logger = createLogger(config);
  // Signals are handled from the first moment: one that arrives during start-up stops the server
  // as soon as it is up, cleanly.
  let stopSignal: string | null = null;
  let server: RunningServer | null = null;
  const stop = (): void => {
    if (server === null || stopSignal === null) return;
    logger.info({ signal: stopSignal }, 'Shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    server.app.close().then(
      () => {
        // The last line says it is over (event streams and sessions closed, the database checkpointed).
        logger.info({ signal: stopSignal }, 'Stopped');
        process.exit(0);
      },
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
  // SIGHUP re-reads MCP_API_KEYS_FILE (as it reopens MCP_LOG_FILE); the file is also watched.
  const running = server;
  if (config.auth.keysFile !== null) process.on('SIGHUP', () => running.app.get(ApiKeyAuthenticator).reloadKeysFile());
  printBanner(server, config);
  stop();
}
