import { isIP } from 'node:net';
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { ConfigError, type Env, read, readList } from './env-readers.js';

/** Fastify's `trustProxy`: off, every hop, a hop count, or the proxies' addresses/CIDRs. */
export type TrustProxy = boolean | number | readonly string[];

/** Host names (no port) a request's Host header may carry; '*' = any. */
export type AllowedHosts = '*' | readonly string[];

export const LOOPBACK_HOST_NAMES: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function isCidrOrAddress(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export function readTrustProxy(env: Env): TrustProxy {
  const raw = read(env, 'MCP_TRUST_PROXY');
  if (raw === undefined) return false;
  const lower = raw.toLowerCase();
  if (['false', '0', 'no', 'off'].includes(lower)) return false;
  if (['true', 'yes', 'on'].includes(lower)) return true;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const entries = readList(env, 'MCP_TRUST_PROXY');
  const bad = entries.find((entry) => !isCidrOrAddress(entry) && !['loopback', 'linklocal', 'uniquelocal'].includes(entry));
  if (bad !== undefined) {
    throw new ConfigError('MCP_TRUST_PROXY', `must be true, false, a hop count, or addresses/CIDRs (e.g. 10.0.0.0/8,127.0.0.1); "${bad}" is none of these`);
  }
  return Object.freeze(entries);
}

/** "[::1]" and "::1" are the same host; names compare case-insensitively. */
export function normalizeHostName(host: string): string {
  const lower = host.trim().toLowerCase().replace(/\.$/, '');
  return isIP(lower) === 6 ? `[${lower}]` : lower;
}

/** The names and addresses this machine answers to: for an anonymous server on the LAN. */
function ownNames(bindHost: string): string[] {
  const names = [osHostname(), `${osHostname()}.local`];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) names.push(address.address.replace(/%.*$/, ''));
  }
  if (bindHost !== '0.0.0.0' && bindHost !== '::') names.push(bindHost);
  return names;
}

/**
 * Which Host headers are answered (DNS-rebinding protection). MCP_ALLOWED_HOSTS wins ("*" = any);
 * otherwise a loopback bind answers loopback names only, a server with a key answers any name
 * (the key protects it), and an anonymous LAN server answers this machine's names and addresses.
 */
export function readAllowedHosts(env: Env, bindHost: string, hasKey: boolean): AllowedHosts {
  const given = readList(env, 'MCP_ALLOWED_HOSTS');
  if (given.includes('*')) return '*';
  for (const host of given) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.:_-]+)$/i.test(host)) {
      throw new ConfigError('MCP_ALLOWED_HOSTS', `contains "${host}", which is not a host name or address (give names without scheme or port)`);
    }
  }
  if (given.length > 0) return Object.freeze([...new Set([...LOOPBACK_HOST_NAMES, ...given].map(normalizeHostName))]);
  if (isLoopbackHost(bindHost)) return LOOPBACK_HOST_NAMES;
  if (hasKey) return '*';
  return Object.freeze([...new Set([...LOOPBACK_HOST_NAMES, ...ownNames(bindHost)].map(normalizeHostName))]);
}
