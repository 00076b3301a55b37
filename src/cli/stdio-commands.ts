import type { BridgeConfig } from '../config/bridge-config.js';
import type { AppConfig } from '../config/app-config.js';
import { startBridge } from '../mcp/bridge/bridge-server.js';
import { startStdioMcpServer } from '../mcp/stdio-server.js';

interface Stoppable {
  close(reason: string): Promise<void>;
}

/**
 * Runs a stdio MCP server until its client goes away (stdin ends) or SIGINT/SIGTERM arrives, then
 * closes it and exits 0. A stop asked for during start-up takes effect as soon as it is up.
 */
async function runUntilStdinEnds(start: () => Promise<Stoppable>): Promise<void> {
  let running: Stoppable | null = null;
  let reason: string | null = null;
  const stop = (): void => {
    if (running === null || reason === null) return;
    const server = running;
    running = null;
    void server.close(reason).finally(() => process.exit(0));
  };
  const onStop = (why: string): void => {
    reason ??= why;
    stop();
  };
  process.stdin.once('end', () => onStop('stdin closed'));
  process.once('SIGINT', () => onStop('SIGINT'));
  process.once('SIGTERM', () => onStop('SIGTERM'));
  running = await start();
  stop();
}

/** `mcp-memory mcp`: MCP on stdin/stdout over the local database file. */
export const mcpCommand = (config: AppConfig): Promise<void> => runUntilStdinEnds(() => startStdioMcpServer(config));

/** `mcp-memory bridge`: MCP on stdin/stdout forwarding to a remote server. */
export const bridgeCommand = (config: BridgeConfig): Promise<void> => runUntilStdinEnds(() => startBridge(config));
