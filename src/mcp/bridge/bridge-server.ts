import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { BridgeConfig } from '../../config/bridge-config.js';
import { chooseService, discoverServices } from '../../discovery/discovery-client.js';
import { createMcpServer } from '../mcp-server.factory.js';
import { HttpToolBackend } from './http-tool-backend.js';
import { RestClient } from './rest-client.js';

const say = (line: string): boolean => process.stderr.write(`[mcp-memory bridge] ${line}\n`);

/** The configured endpoint, or with auto-discovery the best server found on the LAN (falling back to the endpoint). */
async function resolveEndpoint(config: BridgeConfig): Promise<URL> {
  if (!config.autoDiscover) return config.endpoint!;
  say(`Auto-discovery: ENABLED (${config.mdns.serviceType}, ${config.mdns.discoveryTimeoutSeconds} s)`);
  say(`Prefer HTTPS: ${config.preferHttps ? 'YES' : 'NO'}`);
  const chosen = chooseService(
    await discoverServices({
      serviceType: config.mdns.serviceType,
      timeoutSeconds: config.mdns.discoveryTimeoutSeconds,
      interface: config.mdns.interface,
      preferHttps: config.preferHttps,
    }),
  );
  if (chosen) {
    say(`Discovered service: ${chosen.name} at ${chosen.apiBase} (${chosen.responseMs} ms)`);
    return new URL(chosen.apiBase);
  }
  if (config.endpoint) {
    say(`No healthy server found; falling back to MCP_MEMORY_HTTP_ENDPOINT`);
    return config.endpoint;
  }
  throw new Error('no memory server was discovered on the network and MCP_MEMORY_HTTP_ENDPOINT is not set');
}

/**
 * `mcp-memory bridge`: a stdio MCP server whose tools call a remote memory server's REST API.
 * Start-up lines go to stderr (stdout is the protocol) and never show the key.
 */
export async function runBridge(config: BridgeConfig): Promise<void> {
  if (!config.autoDiscover) say('Auto-discovery: DISABLED');
  const endpoint = await resolveEndpoint(config);
  const client = new RestClient(config, endpoint);
  const server = createMcpServer(new HttpToolBackend(client));
  say(`Endpoint: ${endpoint.href}`);
  say(`API Key: ${config.apiKey === null ? '[NOT SET]' : '[SET]'}`);
  if (endpoint.protocol === 'https:') {
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
