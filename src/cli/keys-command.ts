import { keyDigest, keyExpiry, type ListedSpaces, newSecret, readKeysFile, writeKeysFile } from '../auth/keys-file.js';
import { ALL_SPACES, SPACE_NAME_PATTERN, spaceAccessOf } from '../spaces/space-access.js';
import { SCOPES, type Scope } from '../auth/scopes.js';
import { formatTable } from './table.js';
import type { AppConfig } from '../config/app-config.js';

function spaceList(value: string | null | undefined, flag: string): string[] {
  const names = [
    ...new Set(
      (value ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  const bad = names.filter((name) => !SPACE_NAME_PATTERN.test(name) || name === ALL_SPACES);
  if (bad.length > 0) throw new Error(`${flag} takes space names (1-64 letters, digits or . _ - @ :), comma-separated; got ${bad.join(', ')}`);
  return names;
}

/** What a key's spaces come to: where it writes (default first) and what else it reads. */
function describeSpaces(label: string, listed: ListedSpaces): string {
  const access = spaceAccessOf(label, listed);
  const readOnly = access.read!.filter((space) => !access.write!.includes(space));
  return `writes ${access.write!.join(',')} (default ${access.defaultSpace})${readOnly.length > 0 ? `, reads ${readOnly.join(',')}` : ''}`;
}

function keysFileOf(config: AppConfig): string {
  if (config.auth.keysFile === null) throw new Error('MCP_API_KEYS_FILE is not set: name the keys file the server reads (e.g. /etc/mcp-memory/keys.yaml)');
  return config.auth.keysFile;
}

/** `mcp-memory keys add`: a new random key, printed once; the file keeps only its SHA-256. */
export function keysAdd(
  config: AppConfig,
  options: {
    label: string;
    scopes: string;
    expires: string | null;
    writeSpaces?: string | null;
    readSpaces?: string | null;
    defaultSpace?: string | null;
    json: boolean;
  },
): number {
  const file = keysFileOf(config);
  const scopes = [...new Set(options.scopes.split(',').map((s) => s.trim()))];
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0 || scopes.length === 0) throw new Error(`--scopes takes ${SCOPES.join(', ')} (comma-separated); got ${options.scopes}`);
  const expires = options.expires === null ? null : keyExpiry(options.expires);
  if (options.expires !== null && expires === null) throw new Error(`--expires must be a date (2027-01-31) or an ISO 8601 date-time; got ${options.expires}`);
  const entries = readKeysFile(file);
  if (entries.some((e) => e.label === options.label)) throw new Error(`a key labelled "${options.label}" exists; revoke it first or choose another label`);
  const bound = [options.writeSpaces, options.readSpaces, options.defaultSpace].some((value) => value !== null && value !== undefined);
  const spaces: ListedSpaces | undefined = bound
    ? {
        write: spaceList(options.writeSpaces, '--write-spaces'),
        read: spaceList(options.readSpaces, '--read-spaces'),
        ...(options.defaultSpace ? { default: spaceList(options.defaultSpace, '--default-space')[0]! } : {}),
      }
    : undefined;
  const key = newSecret();
  entries.push({
    label: options.label,
    sha256: keyDigest(key),
    scopes: scopes as Scope[],
    expires,
    created: new Date().toISOString(),
    ...(spaces ? { spaces } : {}),
  });
  writeKeysFile(file, entries);
  const where = spaces ? `; spaces: ${describeSpaces(options.label, spaces)}` : '; every space';
  console.log(
    options.json
      ? JSON.stringify({ label: options.label, key, scopes, expires: options.expires, ...(spaces ? { spaces } : {}) })
      : `${key}\n\nKey "${options.label}" (${scopes.join(', ')}${options.expires ? `, expires ${options.expires}` : ''}${where}) added to ${file}.\nThis is the only time the key is shown; the file keeps its SHA-256. A running server picks it up within seconds.`,
  );
  return 0;
}

/** `mcp-memory keys list`: labels, scopes, expiry (never keys or digests). */
export function keysList(config: AppConfig, { json }: { json: boolean }): number {
  const file = keysFileOf(config);
  const now = Date.now();
  const keys = readKeysFile(file).map((e) => ({
    label: e.label,
    scopes: e.scopes,
    expires: e.expires,
    expired: e.expires !== null && Date.parse(e.expires) <= now,
    created: e.created,
    spaces: e.spaces ?? null,
  }));
  console.log(
    json
      ? JSON.stringify({ file, keys })
      : keys.length === 0
        ? `No keys in ${file}`
        : formatTable(
            ['label', 'scopes', 'expiry', 'spaces'],
            keys.map((k) => [
              k.label,
              k.scopes.join(','),
              k.expires ? `${k.expired ? 'expired' : 'expires'} ${k.expires}` : 'no expiry',
              k.spaces ? describeSpaces(k.label, k.spaces) : 'all',
            ]),
          ),
  );
  return 0;
}

/** `mcp-memory keys revoke LABEL`: removed from the file; a running server refuses it within seconds. */
export function keysRevoke(config: AppConfig, label: string): number {
  const file = keysFileOf(config);
  const entries = readKeysFile(file);
  const kept = entries.filter((e) => e.label !== label);
  if (kept.length === entries.length) {
    console.error(`No key labelled "${label}" in ${file}`);
    return 1;
  }
  writeKeysFile(file, kept);
  console.log(`Revoked "${label}" (${file})`);
  return 0;
}
