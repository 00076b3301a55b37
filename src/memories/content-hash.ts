import { createHash } from 'node:crypto';
import type { JsonObject } from '../storage/memory.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** SHA-256 hex of the trimmed, lower-cased content: the upstream rule, so hashes match its clients. */
export function contentHash(content: string): string {
  return sha256(content.trim().toLowerCase());
}

export const CONTENT_HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Metadata keys upstream's earlier rule left out of the hash. */
const UNHASHED_KEYS = new Set(['timestamp', 'content_hash', 'embedding']);

/**
 * Upstream's hash before v10.20.5, where its callers passed metadata: the normalized content
 * followed by the metadata (without timestamp, content_hash, embedding) as Python's
 * `json.dumps(sort_keys=True, ensure_ascii=True)` writes it; null without such metadata. An
 * export of memories migrated from such a database carries these hashes. Call with metadata
 * already checked (bounded depth).
 */
export function legacyUpstreamContentHash(content: string, metadata: JsonObject): string | null {
  const kept = Object.entries(metadata).filter(([key]) => !UNHASHED_KEYS.has(key));
  if (kept.length === 0) return null;
  return sha256(content.trim().toLowerCase() + pythonJson(Object.fromEntries(kept)));
}

/** JSON as Python's json.dumps(sort_keys=True, ensure_ascii=True) writes it (", " and ": " separators, non-ASCII escaped). */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${pythonString(key)}: ${pythonJson((value as Record<string, unknown>)[key])}`).join(', ')}}`;
  }
  return typeof value === 'string' ? pythonString(value) : JSON.stringify(value);
}

const pythonString = (text: string): string => JSON.stringify(text).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
