import * as chrono from 'chrono-node';
import { MAX_TIME_PHRASE_LENGTH } from '../common/input-limits.js';

/** A half-open interval [start, end) of wall-clock time. */
export interface TimeRange {
  start: Date;
  end: Date;
}

type Unit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  couple: 2,
  few: 3,
};

function toCount(word: string): number | null {
  if (/^\d{1,5}$/.test(word)) return Number(word);
  return NUMBER_WORDS[word] ?? null;
}

/** Start of the calendar unit containing `date`, in the server's local time; weeks start on Monday. */
function startOf(date: Date, unit: Unit): Date {
  const d = new Date(date);
  switch (unit) {
    case 'year':
      return new Date(d.getFullYear(), 0, 1);
    case 'month':
      return new Date(d.getFullYear(), d.getMonth(), 1);
    case 'week': {
      const day = new Date(d.getFullYear(), d.getMonth(), d.getDate());
      day.setDate(day.getDate() - ((day.getDay() + 6) % 7));
      return day;
    }
    case 'day':
      return new Date(d.getFullYear(), d.getMonth(), d.getDate());
    case 'hour':
      return new Date(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours());
    case 'minute':
      return new Date(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes());
  }
}

function add(date: Date, unit: Unit, amount: number): Date {
  const d = new Date(date);
  switch (unit) {
    case 'year':
      d.setFullYear(d.getFullYear() + amount);
      break;
    case 'month':
      d.setMonth(d.getMonth() + amount);
      break;
    case 'week':
      d.setDate(d.getDate() + 7 * amount);
      break;
    case 'day':
      d.setDate(d.getDate() + amount);
      break;
    case 'hour':
      d.setHours(d.getHours() + amount);
      break;
    case 'minute':
      d.setMinutes(d.getMinutes() + amount);
      break;
  }
  return d;
}

function period(date: Date, unit: Unit): TimeRange {
  const start = startOf(date, unit);
  return { start, end: add(start, unit, 1) };
}

function unitOf(word: string): Unit | null {
  const singular = word.replace(/s$/, '');
  return (['minute', 'hour', 'day', 'week', 'month', 'year'] as const).find((u) => u === singular) ?? null;
}

/** The period a chrono result names: its explicit end, or the finest component it is sure of. */
function chronoRange(text: string, now: Date): TimeRange | null {
  const [result] = chrono.parse(text, now);
  if (!result || result.text.trim().length < text.trim().length * 0.6) return null;
  const unit: Unit = result.start.isCertain('minute')
    ? 'minute'
    : result.start.isCertain('hour')
      ? 'hour'
      : result.start.isCertain('day') || result.start.isCertain('weekday')
        ? 'day'
        : result.start.isCertain('month')
          ? 'month'
          : 'year';
  let range = period(result.start.date(), unit);
  // "March" said in November means the March that has passed, not the next one.
  if (range.start > now && !result.start.isCertain('year')) {
    range = period(add(result.start.date(), 'year', -1), unit);
  }
  if (result.end) range = { start: range.start, end: period(result.end.date(), unit).end };
  return range;
}

/** "since", "before" and "between" wrap one simple phrase each; deeper nesting is not a time. */
const MAX_NESTING = 2;

/**
 * Turns a natural-language time phrase ("yesterday", "last week", "3 days ago", "since March",
 * "between May 1 and May 3") into a range. Returns null when the phrase names no time, or is
 * longer than MAX_TIME_PHRASE_LENGTH (the parser's cost grows with length: callers refuse longer
 * phrases with a clear message before they get here).
 */
export function parseTimeRange(phrase: string, now: Date = new Date()): TimeRange | null {
  if (phrase.length > MAX_TIME_PHRASE_LENGTH) return null;
  return parseNested(phrase, now, 0);
}

function parseNested(phrase: string, now: Date, depth: number): TimeRange | null {
  if (depth > MAX_NESTING) return null;
  const parse = (inner: string): TimeRange | null => parseNested(inner, now, depth + 1);
  // Hyphens as upstream's hooks write phrases ("last-2-weeks", "last-month") are spaces; a date's
  // ("2026-01-05", digits on both sides) stay.
  const text = phrase
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/(?<=[a-z])-(?=[a-z0-9])|(?<=[0-9])-(?=[a-z])/g, ' ');
  if (text === '') return null;
  const farFuture = add(now, 'year', 100);

  if (text === 'today') return period(now, 'day');
  if (text === 'yesterday') return period(add(now, 'day', -1), 'day');
  if (text === 'recently' || text === 'recent') return { start: add(now, 'day', -7), end: farFuture };

  let match = /^(this|last|previous|past) (week|month|year)$/.exec(text);
  if (match) return period(add(now, match[2] as Unit, match[1] === 'this' ? 0 : -1), match[2] as Unit);

  match = /^(?:in |within |during |over )?(?:the )?(?:last|past|previous) (\w+) (minutes?|hours?|days?|weeks?|months?|years?)$/.exec(text);
  if (match) {
    const count = toCount(match[1]!);
    const unit = unitOf(match[2]!);
    if (count !== null && unit !== null) return { start: add(now, unit, -count), end: farFuture };
  }

  match = /^(\w+) (minutes?|hours?|days?|weeks?|months?|years?) ago$/.exec(text);
  if (match) {
    const count = toCount(match[1]!);
    const unit = unitOf(match[2]!);
    if (count !== null && unit !== null) return period(add(now, unit, -count), unit);
  }

  match = /^(since|after|from|starting) (.+)$/.exec(text);
  if (match) {
    const from = parse(match[2]!);
    if (from) return { start: match[1] === 'after' ? from.end : from.start, end: farFuture };
  }

  match = /^(before|until|till|prior to) (.+)$/.exec(text);
  if (match) {
    const to = parse(match[2]!);
    if (to) return { start: new Date(0), end: match[1] === 'before' || match[1] === 'prior to' ? to.start : to.end };
  }

  match = /^between (.+) and (.+)$/.exec(text);
  if (match) {
    const from = parse(match[1]!);
    const to = parse(match[2]!);
    if (from && to) return { start: from.start, end: to.end };
  }

  return chronoRange(text, now);
}

/** Words that make a run of words worth trying as a time phrase inside a longer text. */
const TIME_WORD =
  /^(today|yesterday|recent|recently|last|past|previous|this|ago|since|before|after|until|between|week|weeks|month|months|year|years|day|days|hour|hours|\d.*)$/;
/** Words around a time phrase that say nothing else ("in the last week"). */
const FILLER = new Set(['in', 'the', 'on', 'at', 'during', 'within', 'over', 'from', 'of', 'for', 'and', 'to']);
/** The longest run of words tried as a time phrase at either end of a longer text. */
const MAX_PHRASE_WORDS = 6;

const isTimeWord = (word: string): boolean => TIME_WORD.test(word.toLowerCase().split('-')[0]!);

/**
 * A time phrase and what else a text says ("deploy decisions last-month": last month, and
 * "deploy decisions"): the longest run of words at either end that holds a time word and parses,
 * when the other words hold none (so "since last week" stays one phrase) and say something beyond
 * filler ("in the"); else the whole text as the phrase. Null when nothing parses.
 */
export function splitTimePhrase(text: string, now: Date = new Date()): { range: TimeRange; rest: string } | null {
  const words = text.trim().split(/\s+/);
  for (let length = Math.min(MAX_PHRASE_WORDS, words.length - 1); length >= 1; length--) {
    for (const start of [words.length - length, 0]) {
      const run = words.slice(start, start + length);
      const others = [...words.slice(0, start), ...words.slice(start + length)];
      if (!run.some(isTimeWord) || others.some(isTimeWord)) continue;
      const rest = others.filter((word) => !FILLER.has(word.toLowerCase()));
      if (rest.length === 0) continue;
      const range = parseTimeRange(run.join(' '), now);
      if (range) return { range, rest: rest.join(' ') };
    }
  }
  const whole = parseTimeRange(text, now);
  return whole ? { range: whole, rest: '' } : null;
}

/**
 * An `after` / `before` bound as upstream's tools take it: `YYYY-MM-DD` (server-local midnight at
 * the start of that day) or a full ISO 8601 date-time. Returns epoch seconds, or null when the
 * value is neither.
 */
export function parseDateBound(value: string): number | null {
  const text = value.trim();
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const date = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    return date.getMonth() === Number(day[2]) - 1 && date.getDate() === Number(day[3]) ? date.getTime() / 1000 : null;
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text)) return null;
  const time = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(time) ? null : time / 1000;
}
