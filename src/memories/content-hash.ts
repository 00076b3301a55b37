import { createHash } from 'node:crypto';

/** SHA-256 hex of the trimmed, lower-cased content: the upstream rule, so hashes match its clients. */
export function contentHash(content: string): string {
  return createHash('sha256').update(content.trim().toLowerCase(), 'utf8').digest('hex');
}

export const CONTENT_HASH_PATTERN = /^[0-9a-f]{64}$/;
