import multicastDns from 'multicast-dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { DiscoveryConfig } from '../config/bridge-config.js';
import { PinnedCertificateAgent } from './pinned-certificate-agent.js';
import { parseServiceType } from './service-type.js';

export interface DiscoveryOptions {
  serviceType: string;
  timeoutSeconds: number;
  /** Interface name or address to browse on; null = the system default. */
  interface: string | null;
  preferHttps: boolean;
  /** Receives each step (query, answers, health checks) when debug logging is on. */
  debug?: (line: string) => void;
}

export interface DiscoveredService {
  name: string;
  host: string;
  port: number;
  https: boolean;
  /** The REST API base, e.g. https://10.0.0.5:8443/api */
  apiBase: string;
  authRequired: boolean;
  version: string | null;
  /** The certificate's SHA-256 fingerprint it advertises (HTTPS); clients pin it. */
  certSha256: string | null;
  healthy: boolean;
  responseMs: number | null;
  error: string | null;
}

interface Found {
  name: string;
  target?: string;
  port?: number;
  txt: Record<string, string>;
}

/** The options of a client configured by the MCP_MDNS_* / MCP_MEMORY_PREFER_HTTPS / LOG_LEVEL variables. */
export function discoveryOptions(config: DiscoveryConfig): DiscoveryOptions {
  const verbose = config.logLevel === 'debug' || config.logLevel === 'trace';
  return {
    serviceType: config.mdns.serviceType,
    timeoutSeconds: config.mdns.discoveryTimeoutSeconds,
    interface: config.mdns.interface,
    preferHttps: config.preferHttps,
    // stdout may carry the MCP protocol (bridge): the steps go to stderr.
    ...(verbose ? { debug: (line: string) => void process.stderr.write(`[debug] ${line}\n`) } : {}),
  };
}

const STANDARD_PORTS = [8443, 8000, 443, 80];
const HEALTH_TIMEOUT_MS = 3000;

/** An interface name becomes its IPv4 address (what multicast-dns binds its membership to). */
function interfaceAddress(name: string | null): string | undefined {
  if (name === null) return undefined;
  if (isIP(name)) return name;
  const address = networkInterfaces()[name]?.find((a) => a.family === 'IPv4');
  if (!address) throw new Error(`no IPv4 address on interface ${name} (MCP_MDNS_INTERFACE)`);
  return address.address;
}

function decodeTxt(data: unknown): Record<string, string> {
  const entries = (Array.isArray(data) ? data : [data]).map((item) => Buffer.from(item as Buffer).toString('utf8'));
  return Object.fromEntries(entries.filter((e) => e.includes('=')).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** Browses DNS-SD for the service type until the timeout; returns what answered, unchecked. */
async function browse(options: DiscoveryOptions): Promise<{ found: Found[]; addresses: Map<string, string> }> {
  const type = parseServiceType(options.serviceType);
  const iface = interfaceAddress(options.interface);
  const mdns = multicastDns({ bind: '0.0.0.0', ...(iface ? { interface: iface } : {}) });
  const found = new Map<string, Found>();
  const addresses = new Map<string, string>();
  const entry = (name: string): Found => {
    let f = found.get(name);
    if (!f) found.set(name, (f = { name, txt: {} }));
    return f;
  };
  const debug = options.debug ?? ((): void => undefined);
  mdns.on('response', (packet, from) => {
    for (const record of [...packet.answers, ...(packet.additionals ?? [])]) {
      if (record.type === 'PTR' && record.name.toLowerCase() === type.fqdn) entry(String(record.data));
      else if (record.type === 'SRV' && record.name.toLowerCase().endsWith(type.fqdn)) {
        const srv = record.data as { port: number; target: string };
        if (entry(record.name).port === undefined) debug(`mDNS answer from ${from.address}: ${record.name} at ${srv.target}:${srv.port}`);
        Object.assign(entry(record.name), { port: srv.port, target: srv.target });
      } else if (record.type === 'TXT' && record.name.toLowerCase().endsWith(type.fqdn)) entry(record.name).txt = decodeTxt(record.data);
      else if (record.type === 'A') addresses.set(record.name, String(record.data));
    }
  });
  const ask = (): void => {
    debug(`mDNS query for ${type.fqdn} (PTR) on ${options.interface ?? 'the default interface'}`);
    mdns.query({ questions: [{ name: type.fqdn, type: 'PTR' }] });
  };
  mdns.on('error', () => undefined);
  ask();
  // A second question catches responders that missed the first one.
  const again = setTimeout(ask, 1000);
  await new Promise((resolve) => setTimeout(resolve, options.timeoutSeconds * 1000));
  clearTimeout(again);
  mdns.destroy();
  debug(`Browsing ended after ${options.timeoutSeconds} s: ${found.size} service(s) answered`);
  return { found: [...found.values()], addresses };
}

/**
 * Times GET <apiBase>/health. A server that advertises its certificate's fingerprint must present
 * exactly that certificate (else it is not healthy); without one, any certificate is accepted here
 * and the caller's TLS rules apply later.
 */
function checkHealth(apiBase: string, certSha256: string | null): Promise<{ healthy: boolean; responseMs: number | null; error: string | null }> {
  const started = performance.now();
  const url = new URL(`${apiBase}/health`);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const tls = url.protocol === 'https:' && certSha256 !== null ? { agent: new PinnedCertificateAgent(certSha256) } : { rejectUnauthorized: false };
  return new Promise((resolve) => {
    const req = request(url, { timeout: HEALTH_TIMEOUT_MS, ...tls }, (res) => {
      res.resume();
      res.on('end', () => {
        const ok = res.statusCode === 200;
        resolve({ healthy: ok, responseMs: Math.round((performance.now() - started) * 10) / 10, error: ok ? null : `health answered ${res.statusCode}` });
      });
    });
    req.on('timeout', () => req.destroy(new Error('health check timed out')));
    req.on('error', (error) => resolve({ healthy: false, responseMs: null, error: error.message }));
    req.end();
  });
}

/** The selection rule: healthy only first, HTTPS first if preferred, fastest, standard ports. */
export function rankServices(services: DiscoveredService[], preferHttps: boolean): DiscoveredService[] {
  const portRank = (port: number): number => (STANDARD_PORTS.includes(port) ? STANDARD_PORTS.indexOf(port) : STANDARD_PORTS.length);
  return [...services].sort(
    (a, b) =>
      Number(b.healthy) - Number(a.healthy) ||
      (preferHttps ? Number(b.https) - Number(a.https) : 0) ||
      (a.responseMs ?? Infinity) - (b.responseMs ?? Infinity) ||
      portRank(a.port) - portRank(b.port),
  );
}

/** Finds memory servers on the LAN, health-checks each, and returns them best first. */
export async function discoverServices(options: DiscoveryOptions): Promise<DiscoveredService[]> {
  const { found, addresses } = await browse(options);
  const services = await Promise.all(
    found
      .filter((f) => f.port !== undefined && f.target !== undefined)
      .map(async (f): Promise<DiscoveredService> => {
        const host = addresses.get(f.target!) ?? f.target!.replace(/\.$/, '');
        const https = f.txt.https === 'true';
        const apiBase = `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${f.port}${f.txt.api_path ?? f.txt.path ?? '/api'}`;
        const certSha256 = https && /^[0-9a-f]{64}$/i.test(f.txt.cert_sha256 ?? '') ? f.txt.cert_sha256!.toLowerCase() : null;
        const health = await checkHealth(apiBase, certSha256);
        options.debug?.(`Health check ${apiBase}/health: ${health.healthy ? `healthy in ${health.responseMs} ms` : `down (${health.error})`}`);
        return {
          name: f.name.replace(/\._.*$/, ''),
          host,
          port: f.port!,
          https,
          apiBase,
          authRequired: (f.txt.auth_required ?? f.txt.auth) === 'true',
          version: f.txt.version ?? null,
          certSha256,
          ...health,
        };
      }),
  );
  return rankServices(services, options.preferHttps);
}

/** The service a client should use, or null when none is healthy. */
export function chooseService(ranked: DiscoveredService[]): DiscoveredService | null {
  return ranked[0]?.healthy ? ranked[0] : null;
}
