import { hash, timingSafeEqual } from 'node:crypto';
import type { KeyIdentity } from './scopes.js';

interface CredentialSource {
  headers: Record<string, string | string[] | undefined>;
  /** The request target as sent (path and query string, undecoded). */
  url: string;
}

/** SHA-256 in one call (no Hash object per request). */
function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

function decodeOrNull(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/**
 * The `api_key` query parameter as written. Keys made with `openssl rand -base64` contain `+`,
 * which form decoding turns into a space; browsers' EventSource code puts the key in the URL
 * unencoded. So the literal reading comes first, and the form reading (`+` = space) second,
 * for clients that encode a space that way. Either must still match a configured key exactly.
 */
function queryKeys(url: string): string[] {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return [];
  for (const pair of url.slice(queryStart + 1).split('&')) {
    const separator = pair.indexOf('=');
    if (separator === -1 || pair.slice(0, separator) !== 'api_key') continue;
    const raw = pair.slice(separator + 1);
    const literal = decodeOrNull(raw);
    const formDecoded = decodeOrNull(raw.replaceAll('+', ' '));
    return [...new Set([literal, formDecoded].filter((k): k is string => k !== null && k !== ''))];
  }
  return [];
}

/**
 * The keys a request presents: Authorization: Bearer, else X-API-Key, else ?api_key= (its
 * readings). Empty when none is given.
 */
export function presentedApiKeys({ headers, url }: CredentialSource): string[] {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return [match[1]!.trim()];
  }
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return [header.trim()];
  return queryKeys(url);
}

/**
 * Who a request acts as, for per-credential limits: a digest of the key it presents (never the
 * key itself), or "anonymous".
 */
export function credentialOwner(source: CredentialSource): string {
  const [key] = presentedApiKeys(source);
  return key === undefined ? 'anonymous' : `key:${digest(key).toString('hex').slice(0, 16)}`;
}

/** A key the server accepts: the digest of the key, who it is, until when. */
export interface KnownKey {
  digest: Buffer;
  identity: KeyIdentity;
  /** Epoch milliseconds; null = never expires. */
  expiresAt: number | null;
}

export type KeyCheck = { result: 'valid'; identity: KeyIdentity } | { result: 'missing' | 'invalid' | 'expired' };

export const digestOf = digest;

/**
 * Compares presented keys with every known key in constant time: both sides are hashed to
 * equal-length digests and every known key is always compared.
 */
export class ApiKeyMatcher {
  constructor(private readonly keys: readonly KnownKey[]) {}

  get known(): readonly KnownKey[] {
    return this.keys;
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  check(presented: readonly string[]): KeyCheck {
    if (presented.length === 0) return { result: 'missing' };
    let found: KnownKey | null = null;
    for (const key of presented) {
      const candidate = digest(key);
      for (const known of this.keys) if (timingSafeEqual(candidate, known.digest) && found === null) found = known;
    }
    if (found === null) return { result: 'invalid' };
    if (found.expiresAt !== null && Date.now() >= found.expiresAt) return { result: 'expired' };
    return { result: 'valid', identity: found.identity };
  }
}
