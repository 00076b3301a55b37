import { parseDateBound } from './time-range.parser.js';

/**
 * A time as stored records carry it: epoch seconds when that is a number, else an ISO 8601
 * string, which is UTC when it has no offset (older upstream writers left the Z off). Null when
 * neither is readable.
 */
export function storedTime(seconds: unknown, iso: unknown): number | null {
  if (typeof seconds === 'number' && Number.isFinite(seconds)) return seconds;
  if (typeof iso !== 'string') return null;
  const text = iso.trim();
  return parseDateBound(/[T ]\d\d:\d\d/.test(text) && !/([zZ]|[+-]\d\d:?\d\d)$/.test(text) ? `${text}Z` : text);
}
