/** `_mcp-memory._tcp.local.` → the parts ciao and DNS-SD queries need. */
export interface ServiceType {
  name: string;
  protocol: 'tcp' | 'udp';
  /** The DNS-SD name browsed for, e.g. `_mcp-memory._tcp.local`. */
  fqdn: string;
}

export function parseServiceType(serviceType: string): ServiceType {
  const match = /^_([a-z0-9-]+)\._(tcp|udp)/i.exec(serviceType);
  if (!match) throw new Error(`not a DNS-SD service type: ${serviceType}`);
  const name = match[1]!.toLowerCase();
  const protocol = match[2]!.toLowerCase() as 'tcp' | 'udp';
  return { name, protocol, fqdn: `_${name}._${protocol}.local` };
}
