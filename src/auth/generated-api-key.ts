import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { newSecret } from './keys-file.js';

/** Keys generated here: 32 random bytes, URL-safe (no `+`, `/` or `=` to escape in `?api_key=`). */
const GENERATED_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface GeneratedApiKey {
  key: string;
  file: string;
  /** True on the start that created it: the only time the key itself is printed. */
  created: boolean;
}

/** A key file that cannot be read, written or trusted; the message names the file. */
export class GeneratedApiKeyError extends Error {}

function readKeyFile(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new GeneratedApiKeyError(`Cannot read the API key file ${file}: ${(error as Error).message}`);
  }
  const key = text.trim();
  if (key.length < 16 || /\s/.test(key)) {
    throw new GeneratedApiKeyError(
      `The API key file ${file} does not hold a key of at least 16 characters; delete it to have a new one generated, or set MCP_API_KEY`,
    );
  }
  return key;
}

/**
 * The key of a server that listens beyond loopback without MCP_API_KEY: read from
 * `<data dir>/api-key` (mode 0600), or generated there once (written whole, then renamed into
 * place, so a crash never leaves half a key) and reused on every later start.
 */
export function loadOrCreateApiKey(file: string): GeneratedApiKey {
  const existing = readKeyFile(file);
  if (existing !== null) return { key: existing, file, created: false };
  const key = newSecret();
  if (!GENERATED_KEY_PATTERN.test(key)) throw new Error('unexpected key encoding');
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temporary, `${key}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(temporary, 0o600);
    renameSync(temporary, file);
  } catch (error) {
    throw new GeneratedApiKeyError(`Cannot write the generated API key to ${file}: ${(error as Error).message}; set MCP_API_KEY instead`);
  }
  return { key, file, created: true };
}

/** The configuration with the generated key in force, when one is needed. */
export function withGeneratedApiKey(config: AppConfig): { config: AppConfig; generated: GeneratedApiKey | null } {
  const file = config.auth.generatedKeyFile;
  if (file === null) return { config, generated: null };
  const generated = loadOrCreateApiKey(file);
  return { config: Object.freeze({ ...config, auth: Object.freeze({ ...config.auth, apiKeys: Object.freeze([generated.key]) }) }), generated };
}
