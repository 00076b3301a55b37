import { createHash, timingSafeEqual } from 'node:crypto';

export type KeyCheck = 'valid' | 'missing' | 'invalid';

interface CredentialSource {
  headers: Record<string, string | string[] | undefined>;
  /** The request target as sent (path and query string, undecoded). */
  url: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
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

/**
 * Compares presented keys with every configured key in constant time: both sides are hashed to
 * equal-length digests and every configured key is always compared.
 */
export class ApiKeyMatcher {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  check(presented: readonly string[]): KeyCheck {
    if (presented.length === 0) return 'missing';
    let matched = false;
    for (const key of presented) {
      const candidate = digest(key);
      for (const known of this.digests) matched = timingSafeEqual(candidate, known) || matched;
    }
    return matched ? 'valid' : 'invalid';
  }
}
