import { keyDigest, keyExpiry, newSecret, readKeysFile, writeKeysFile } from '../auth/keys-file.js';
import { SCOPES, type Scope } from '../auth/scopes.js';
import { formatTable } from './table.js';
import type { AppConfig } from '../config/app-config.js';

function keysFileOf(config: AppConfig): string {
  if (config.auth.keysFile === null) throw new Error('MCP_API_KEYS_FILE is not set: name the keys file the server reads (e.g. /etc/mcp-memory/keys.yaml)');
  return config.auth.keysFile;
}

/** `mcp-memory keys add`: a new random key, printed once; the file keeps only its SHA-256. */
export function keysAdd(config: AppConfig, options: { label: string; scopes: string; expires: string | null; json: boolean }): number {
  const file = keysFileOf(config);
  const scopes = [...new Set(options.scopes.split(',').map((s) => s.trim()))];
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0 || scopes.length === 0) throw new Error(`--scopes takes ${SCOPES.join(', ')} (comma-separated); got ${options.scopes}`);
  const expires = options.expires === null ? null : keyExpiry(options.expires);
  if (options.expires !== null && expires === null) throw new Error(`--expires must be a date (2027-01-31) or an ISO 8601 date-time; got ${options.expires}`);
  const entries = readKeysFile(file);
  if (entries.some((e) => e.label === options.label)) throw new Error(`a key labelled "${options.label}" exists; revoke it first or choose another label`);
  const key = newSecret();
  entries.push({ label: options.label, sha256: keyDigest(key), scopes: scopes as Scope[], expires, created: new Date().toISOString() });
  writeKeysFile(file, entries);
  console.log(
    options.json
      ? JSON.stringify({ label: options.label, key, scopes, expires: options.expires })
      : `${key}\n\nKey "${options.label}" (${scopes.join(', ')}${options.expires ? `, expires ${options.expires}` : ''}) added to ${file}.\nThis is the only time the key is shown; the file keeps its SHA-256. A running server picks it up within seconds.`,
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
  }));
  console.log(
    json
      ? JSON.stringify({ file, keys })
      : keys.length === 0
        ? `No keys in ${file}`
        : formatTable(
            ['label', 'scopes', 'expiry'],
            keys.map((k) => [k.label, k.scopes.join(','), k.expires ? `${k.expired ? 'expired' : 'expires'} ${k.expires}` : 'no expiry']),
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
