import { formatTable } from './table.js';
import type { DiscoveryConfig } from '../config/bridge-config.js';
import { chooseService, discoverServices, discoveryOptions } from '../discovery/discovery-client.js';

/** `mcp-memory discover`: the table of servers found on the LAN and the one a client would use. */
export async function runDiscoverCommand(config: DiscoveryConfig, { json }: { json: boolean }): Promise<number> {
  if (!config.mdns.enabled) {
    console.error('mDNS is disabled (MCP_MDNS_ENABLED=false): nothing was browsed');
    return 1;
  }
  if (json) {
    const services = await discoverServices(discoveryOptions(config));
    const chosen = chooseService(services);
    console.log(JSON.stringify({ services, chosen: chosen?.apiBase ?? null }));
    return chosen ? 0 : 1;
  }
  console.log(
    `Browsing for ${config.mdns.serviceType} for ${config.mdns.discoveryTimeoutSeconds} s${config.mdns.interface ? ` on ${config.mdns.interface}` : ''}...`,
  );
  const services = await discoverServices(discoveryOptions(config));
  if (services.length === 0) {
    console.log('No services found.');
    return 1;
  }
  console.log(
    formatTable(
      ['name', 'api', 'https', 'auth', 'health', 'response'],
      services.map((s) => [
        s.name,
        s.apiBase,
        s.https ? 'yes' : 'no',
        s.authRequired ? 'yes' : 'no',
        s.healthy ? 'healthy' : 'down',
        s.responseMs === null ? `- (${s.error})` : `${s.responseMs} ms`,
      ]),
    ),
  );
  const chosen = chooseService(services);
  console.log(chosen ? `Chosen: ${chosen.name} at ${chosen.apiBase}${config.preferHttps ? ' (HTTPS preferred)' : ''}` : 'Chosen: none (no healthy server)');
  return chosen ? 0 : 1;
}
