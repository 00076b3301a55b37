import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { ALL_SPACES, SPACE_NAME_PATTERN } from '../spaces/space-access.js';
import { SCOPES, type Scope } from './scopes.js';

/** One key of MCP_API_KEYS_FILE as kept: its SHA-256 (hex), never the key itself once written by `mcp-memory keys`. */
export interface KeyEntry {
  label: string;
  sha256: string;
  scopes: Scope[];
  /** ISO 8601; null = never. */
  expires: string | null;
  created: string | null;
  /** The spaces it may use (plus its personal space); absent: every space, as before spaces. */
  spaces?: ListedSpaces;
}

/** A keys-file entry's `spaces: {write: [...], read: [...], default?}`. */
export interface ListedSpaces {
  read: string[];
  write: string[];
  default?: string;
}

export class KeysFileError extends Error {}

export const keyDigest = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new secret: 256 random bits, URL-safe (API keys, OAuth tokens and codes). */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** An expiry as the file gives it: a YAML date or date-time, or an ISO 8601 date or date-time string; null when it is none of these. */
export function keyExpiry(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) return null;
  const at = Date.parse(value.trim());
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

/**
 * A file that holds keys in clear must be readable by its owner only, as SSH insists for private
 * keys: anyone else on the machine who can read it can use them. Refused (never just warned about:
 * a warning in a log is read after the fact, if at all), with the remedy. Digests may be read.
 */
function assertPlainKeysPrivate(path: string, document: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0 || !/^\s*-?\s*key\s*:|"key"\s*:/m.test(document)) return;
  throw new KeysFileError(
    `${path} holds keys in clear and is readable by ${mode & 0o007 ? 'anyone on this machine' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}): ` +
      `run chmod 600 ${path}, or keep only sha256 digests in it (mcp-memory keys add writes digests only)`,
  );
}

/**
 * Reads a keys file (YAML or JSON: `keys: [{label, key | sha256, scopes: [read|write|admin], expires?}]`,
 * or the list alone). A plain `key` is accepted and kept only as its digest in memory. Every
 * problem names the entry. A file that does not exist is an error when `mustExist` (the server's
 * MCP_API_KEYS_FILE), and no keys yet otherwise (`mcp-memory keys add` creates it).
 */
export function readKeysFile(path: string, { mustExist = false } = {}): KeyEntry[] {
  if (!existsSync(path)) {
    if (!mustExist) return [];
    throw new KeysFileError(
      `MCP_API_KEYS_FILE names ${path}, which does not exist: create it with mcp-memory keys add --label <name> --scopes read,write (with MCP_API_KEYS_FILE set), or fix the path`,
    );
  }
  const text = readFileSync(path, 'utf8');
  assertPlainKeysPrivate(path, text);
  let document: unknown;
  try {
    document = parse(text);
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
    const expires = entry.expires === undefined || entry.expires === null ? null : keyExpiry(entry.expires);
    if (expires === null && entry.expires !== undefined && entry.expires !== null) {
      throw new KeysFileError(`${where} (${label}): expires must be a date (2027-01-31) or an ISO 8601 date-time, got ${JSON.stringify(entry.expires)}`);
    }
    const created = typeof entry.created === 'string' ? entry.created : null;
    const spaces = entry.spaces === undefined || entry.spaces === null ? undefined : listedSpaces(entry.spaces, `${where} (${label})`);
    return { label, sha256, scopes: [...new Set(scopes as Scope[])], expires, created, ...(spaces ? { spaces } : {}) };
  });
}

function listedSpaces(value: unknown, where: string): ListedSpaces {
  const problem = (message: string): KeysFileError =>
    new KeysFileError(`${where}: spaces ${message} (spaces: {write: [alice, team], read: [docs], default: team})`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw problem('must be an object');
  const { read = [], write = [], default: defaultSpace, ...unknown } = value as Record<string, unknown>;
  if (Object.keys(unknown).length > 0) throw problem(`has unknown fields: ${Object.keys(unknown).join(', ')}`);
  const names = (list: unknown, field: string): string[] => {
    if (!Array.isArray(list) || !list.every((name) => typeof name === 'string' && SPACE_NAME_PATTERN.test(name) && name !== ALL_SPACES)) {
      throw problem(`${field} must list space names (1-64 letters, digits or . _ - @ :, not "${ALL_SPACES}")`);
    }
    return [...new Set(list as string[])];
  };
  const listed: ListedSpaces = { read: names(read, 'read'), write: names(write, 'write') };
  if (defaultSpace !== undefined) {
    if (typeof defaultSpace !== 'string' || !SPACE_NAME_PATTERN.test(defaultSpace)) throw problem('default must be a space name');
    listed.default = defaultSpace;
  }
  return listed;
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
