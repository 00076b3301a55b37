import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { BridgeConfig } from '../../config/bridge-config.js';
import { chooseService, discoverServices, discoveryOptions } from '../../discovery/discovery-client.js';
import { createMcpServer } from '../mcp-server.factory.js';
import { HttpToolBackend } from './http-tool-backend.js';
import { RestClient } from './rest-client.js';

/** Start-up lines go to stderr (stdout is the protocol), in the deployment guide's words. */
const say = (line: string): boolean => process.stderr.write(`${line}\n`);

/** Where a bridge with nothing configured and nothing discovered goes (as the guide's bridge does). */
const DEFAULT_ENDPOINT = 'http://localhost:8000/api';

interface ResolvedEndpoint {
  endpoint: URL;
  /** The discovered server's certificate fingerprint, pinned for its TLS connections. */
  pinnedCertSha256: string | null;
  discovered: boolean;
}

/** The configured endpoint, or with auto-discovery the best server found on the LAN (falling back to the endpoint). */
async function resolveEndpoint(config: BridgeConfig): Promise<ResolvedEndpoint> {
  const fallback = (): ResolvedEndpoint => {
    if (config.endpoint) say(`Using manual endpoint: ${config.endpoint.href}`);
    else say(`Using default endpoint: ${DEFAULT_ENDPOINT}`);
    return { endpoint: config.endpoint ?? new URL(DEFAULT_ENDPOINT), pinnedCertSha256: config.tlsFingerprint, discovered: false };
  };
  if (!config.autoDiscover) return fallback();
  say('Attempting to discover MCP Memory Service via mDNS...');
  const chosen = chooseService(await discoverServices(discoveryOptions(config)));
  if (!chosen) {
    say('No MCP Memory Services discovered');
    return fallback();
  }
  say(`Discovered service: ${chosen.apiBase} (${chosen.name}, ${chosen.responseMs} ms)`);
  return { endpoint: new URL(chosen.apiBase), pinnedCertSha256: chosen.https ? chosen.certSha256 : null, discovered: true };
}

/** How this bridge checks the server's certificate, in one line. */
function tlsPolicy(config: BridgeConfig, pinned: string | null): string {
  if (config.tlsInsecure) return 'certificate NOT verified (MCP_MEMORY_TLS_INSECURE=true)';
  if (pinned && pinned === config.tlsFingerprint) return `certificate pinned to MCP_MEMORY_TLS_FINGERPRINT (${pinned.slice(0, 16)}...)`;
  if (config.caFile) return `verified against ${config.caFile}`;
  if (pinned) return `certificate pinned to the SHA-256 fingerprint the server advertised (${pinned.slice(0, 16)}...)`;
  return 'verified against system CAs';
}

/**
 * `mcp-memory bridge`: a stdio MCP server whose tools call a remote memory server's REST API.
 * Start-up lines go to stderr (stdout is the protocol) and never show the key.
 */
export async function startBridge(config: BridgeConfig): Promise<{ close(): Promise<void> }> {
  say('MCP HTTP Bridge starting...');
  const { endpoint, pinnedCertSha256, discovered } = await resolveEndpoint(config);
  // "Insecure" set by the operator wins. A manual endpoint is pinned to MCP_MEMORY_TLS_FINGERPRINT
  // when given (else checked against the CA file or the system's CAs); a discovered server to the
  // fingerprint it advertised unless a CA file is set. Either way a self-signed certificate works
  // without MCP_MEMORY_TLS_INSECURE.
  const pin = config.tlsInsecure || (discovered && config.caFile) ? null : pinnedCertSha256;
  const client = new RestClient(config, endpoint, pin);
  const server = createMcpServer(new HttpToolBackend(client));
  say(`Endpoint: ${endpoint.href}`);
  say(`API Key: ${config.apiKey === null ? '[NOT SET]' : '[SET]'}`);
  say(`Auto-discovery: ${config.autoDiscover ? 'ENABLED' : 'DISABLED'}`);
  say(`Prefer HTTPS: ${config.preferHttps ? 'YES' : 'NO'}`);
  if (discovered) say('Service discovered automatically via mDNS');
  if (endpoint.protocol === 'https:') say(`TLS: ${tlsPolicy(config, pin)}`);
  await server.connect(new StdioServerTransport());
  return {
    close: async () => {
      await server.close().catch(() => undefined);
      client.close();
    },
  };
}
