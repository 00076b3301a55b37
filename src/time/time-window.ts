import { InvalidInputError } from '../common/domain-errors.js';
import { echo, MAX_TIME_PHRASE_LENGTH } from '../common/input-limits.js';
import { parseDateBound, splitTimePhrase } from './time-range.parser.js';

export interface TimeWindowInput {
  /** A natural-language phrase ("last week"), refused with 400 when it names no time. */
  phrase?: string | null;
  /** Name of the field the phrase came in, for the error. */
  phraseField?: string;
  /** Created at or after: YYYY-MM-DD (local midnight) or ISO 8601. */
  after?: string | null;
  /** Created before: YYYY-MM-DD (local midnight) or ISO 8601. */
  before?: string | null;
}

export interface TimeWindow {
  /** Epoch seconds, inclusive. */
  createdFrom?: number;
  /** Epoch seconds, exclusive. */
  createdBefore?: number;
}

/**
 * A natural-language time phrase as a created-at window, and what else its text says (the words
 * beside a phrase at either end of a longer text); refused with 400 naming `field` when it names
 * no time.
 */
export function timePhrase(phrase: string | null | undefined, field: string): { window: TimeWindow; rest: string } {
  if (phrase === null || phrase === undefined || phrase.trim() === '') return { window: {}, rest: '' };
  if (phrase.length > MAX_TIME_PHRASE_LENGTH) {
    throw InvalidInputError.field(field, `a time expression has at most ${MAX_TIME_PHRASE_LENGTH} characters; this one has ${phrase.length}`);
  }
  const split = splitTimePhrase(phrase);
  if (!split) {
    throw InvalidInputError.field(
      field,
      `could not understand the time expression "${echo(phrase)}" (try "yesterday", "last week", "3 days ago", "since March")`,
    );
  }
  return { window: { createdFrom: split.range.start.getTime() / 1000, createdBefore: split.range.end.getTime() / 1000 }, rest: split.rest };
}

function bound(value: string | null | undefined, field: string): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const parsed = parseDateBound(value);
  if (parsed === null) throw InvalidInputError.field(field, `"${echo(value)}" is not a date; use YYYY-MM-DD or an ISO 8601 date-time`);
  return parsed;
}

/** The intersection of a time phrase and after/before bounds, as a created-at window. */
export function timeWindow(input: TimeWindowInput): TimeWindow {
  const phrase = timePhrase(input.phrase, input.phraseField ?? 'time_filter').window;
  const after = bound(input.after, 'after');
  const before = bound(input.before, 'before');
  const from = Math.max(phrase.createdFrom ?? -Infinity, after ?? -Infinity);
  const to = Math.min(phrase.createdBefore ?? Infinity, before ?? Infinity);
  return { ...(Number.isFinite(from) ? { createdFrom: from } : {}), ...(Number.isFinite(to) ? { createdBefore: to } : {}) };
}
