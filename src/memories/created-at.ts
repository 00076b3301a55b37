import { InvalidInputError } from '../common/domain-errors.js';
import { parseDateBound } from '../time/time-range.parser.js';

/** How far in the future a given created_at may lie (clock skew between client and server). */
export const CREATED_AT_MAX_SKEW_SECONDS = 300;

/**
 * A client's own creation time for a memory (imports, replayed history): epoch seconds (a number
 * or a numeric string) or ISO 8601 (`YYYY-MM-DD` or a date-time; without an offset it is server
 * local time). Not before 1970, not in the future beyond a small skew. Returns epoch seconds.
 */
export function parseCreatedAt(value: number | string, now: number, field = 'created_at'): number {
  const text = typeof value === 'string' ? value.trim() : null;
  const seconds = text === null ? value : /^\d+(\.\d+)?$/.test(text) ? Number(text) : parseDateBound(text);
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw InvalidInputError.field(field, `${field} must be epoch seconds or an ISO 8601 date-time such as 2025-03-04T10:30:00Z`);
  }
  if (seconds < 0) throw InvalidInputError.field(field, `${field} must not be before 1970`);
  if (seconds > now + CREATED_AT_MAX_SKEW_SECONDS) {
    const hint = seconds > 1e11 ? ' (epoch seconds, not milliseconds)' : '';
    throw InvalidInputError.field(field, `${field} lies in the future${hint}; at most ${CREATED_AT_MAX_SKEW_SECONDS} s ahead of the server clock is accepted`);
  }
  return seconds;
}

/** The longest a memory may be kept before it expires: a century, in seconds. */
export const MAX_TTL_SECONDS = 100 * 365 * 86_400;

/**
 * When a memory expires (epoch seconds), from `expires_at` (epoch seconds or ISO 8601, in the
 * future) or `ttl_seconds` (from now); null when neither is given. Both at once is a 400.
 */
export function parseExpiry(expiresAt: number | string | null | undefined, ttlSeconds: number | null | undefined, now: number): number | null {
  const hasExpiry = expiresAt !== undefined && expiresAt !== null;
  const hasTtl = ttlSeconds !== undefined && ttlSeconds !== null;
  if (hasExpiry && hasTtl) throw InvalidInputError.field('expires_at', 'give expires_at or ttl_seconds, not both');
  if (hasTtl) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
      throw InvalidInputError.field('ttl_seconds', `ttl_seconds must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}`);
    }
    return now + ttlSeconds;
  }
  if (!hasExpiry) return null;
  const text = typeof expiresAt === 'string' ? expiresAt.trim() : null;
  const seconds = text === null ? expiresAt : /^\d+(\.\d+)?$/.test(text) ? Number(text) : parseDateBound(text);
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw InvalidInputError.field('expires_at', 'expires_at must be epoch seconds or an ISO 8601 date-time such as 2027-01-31T00:00:00Z');
  }
  if (seconds <= now) throw InvalidInputError.field('expires_at', 'expires_at lies in the past');
  if (seconds > now + MAX_TTL_SECONDS)
    throw InvalidInputError.field('expires_at', 'expires_at lies more than a century ahead (epoch seconds, not milliseconds?)');
  return seconds;
}
