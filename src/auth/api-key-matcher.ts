import { createHash, timingSafeEqual } from 'node:crypto';

export type KeyCheck = 'valid' | 'missing' | 'invalid';

interface CredentialSource {
  headers: Record<string, string | string[] | undefined>;
  query: unknown;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Finds the key in Authorization: Bearer, X-API-Key or ?api_key=, in that order. */
export function extractApiKey({ headers, query }: CredentialSource): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1]!.trim();
  }
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  if (typeof query === 'object' && query !== null) {
    const fromQuery = (query as Record<string, unknown>).api_key;
    if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  }
  return null;
}

/**
 * Compares a presented key with every configured key in constant time: both sides are hashed to
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

  check(presented: string | null): KeyCheck {
    if (presented === null) return 'missing';
    const candidate = digest(presented);
    let matched = false;
    for (const known of this.digests) matched = timingSafeEqual(candidate, known) || matched;
    return matched ? 'valid' : 'invalid';
  }
}
