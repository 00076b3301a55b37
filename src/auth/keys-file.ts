import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { SCOPES, type Scope } from './scopes.js';

/** One key of MCP_API_KEYS_FILE as kept: its SHA-256 (hex), never the key itself once written by `mcp-memory keys`. */
export interface KeyEntry {
  label: string;
  sha256: string;
  scopes: Scope[];
  /** ISO 8601; null = never. */
  expires: string | null;
  created: string | null;
}

export class KeysFileError extends Error {}

export const keyDigest = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new secret: 256 random bits, URL-safe (API keys, OAuth tokens and codes). */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Reads a keys file (YAML or JSON: `keys: [{label, key | sha256, scopes: [read|write|admin], expires?}]`,
 * or the list alone). A plain `key` is accepted and kept only as its digest in memory. Every
 * problem names the entry.
 */
export function readKeysFile(path: string): KeyEntry[] {
  if (!existsSync(path)) return [];
  let document: unknown;
  try {
    document = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new KeysFileError(`${path} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (document === null || document === undefined) return [];
  const list = Array.isArray(document) ? document : (document as { keys?: unknown }).keys;
  if (!Array.isArray(list)) throw new KeysFileError(`${path} must hold a list of keys (or keys: [...])`);
  const labels = new Set<string>();
  return list.map((raw, i): KeyEntry => {
    const where = `${path}, key ${i + 1}`;
    if (typeof raw !== 'object' || raw === null) throw new KeysFileError(`${where}: must be an object with label, key or sha256, and scopes`);
    const entry = raw as Record<string, unknown>;
    const label = entry.label;
    if (typeof label !== 'string' || !/^[\w.@:-]{1,64}$/.test(label)) throw new KeysFileError(`${where}: label must be 1-64 letters, digits or . _ - @ :`);
    if (labels.has(label)) throw new KeysFileError(`${where}: the label "${label}" is used twice`);
    labels.add(label);
    let sha256: string;
    if (typeof entry.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(entry.sha256)) sha256 = entry.sha256.toLowerCase();
    else if (typeof entry.key === 'string' && entry.key.length >= 16) sha256 = keyDigest(entry.key);
    else throw new KeysFileError(`${where} (${label}): give sha256 (64 hex digits) or a key of at least 16 characters`);
    const scopes = entry.scopes;
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => (SCOPES as readonly unknown[]).includes(s))) {
      throw new KeysFileError(`${where} (${label}): scopes must list one or more of ${SCOPES.join(', ')}`);
    }
    const expires =
      entry.expires === undefined || entry.expires === null ? null : entry.expires instanceof Date ? entry.expires.toISOString() : String(entry.expires);
    if (expires !== null && Number.isNaN(Date.parse(expires))) throw new KeysFileError(`${where} (${label}): expires must be an ISO 8601 date or date-time`);
    const created = typeof entry.created === 'string' ? entry.created : null;
    return { label, sha256, scopes: [...new Set(scopes as Scope[])], expires, created };
  });
}

/** Writes the entries (digests only), replacing the file atomically, readable by its owner only. */
export function writeKeysFile(path: string, entries: readonly KeyEntry[]): void {
  const text = path.endsWith('.json')
    ? `${JSON.stringify({ keys: entries }, null, 2)}\n`
    : `# mcp-memory keys: managed by \`mcp-memory keys add|list|revoke\`; only SHA-256 digests of the keys are kept.\n${stringify({ keys: entries })}`;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
