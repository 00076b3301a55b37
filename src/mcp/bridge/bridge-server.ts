import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { BridgeConfig } from '../../config/bridge-config.js';
import { createMcpServer } from '../mcp-server.factory.js';
import { HttpToolBackend } from './http-tool-backend.js';
import { RestClient } from './rest-client.js';

/**
 * `mcp-memory bridge`: a stdio MCP server whose tools call a remote memory server's REST API.
 * Start-up lines go to stderr (stdout is the protocol) and never show the key.
 */
export async function runBridge(config: BridgeConfig): Promise<void> {
  const client = new RestClient(config);
  const server = createMcpServer(new HttpToolBackend(client));
  const say = (line: string): boolean => process.stderr.write(`[mcp-memory bridge] ${line}\n`);
  say(`endpoint: ${config.endpoint.href}`);
  say(`API key: ${config.apiKey === null ? 'not set' : 'set'}`);
  say(`auto-discovery: ${config.autoDiscover ? 'requested, but mDNS discovery is not available in this version; using the endpoint above' : 'off'}`);
  if (config.endpoint.protocol === 'https:') {
    say(`TLS: ${config.tlsInsecure ? 'certificate NOT verified (MCP_MEMORY_TLS_INSECURE=true)' : config.caFile ? `verified against ${config.caFile}` : 'verified against system CAs'}`);
  }
  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await server.close().catch(() => undefined);
    client.close();
    process.exit(0);
  };
  process.stdin.once('end', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  await server.connect(new StdioServerTransport());
}
