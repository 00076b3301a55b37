import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIME_PHRASE_LENGTH } from '../common/input-limits.js';
import { parseTimeRange, splitTimePhrase } from './time-range.parser.js';

// Wednesday 2026-11-25 15:00 local time.
const now = new Date(2026, 10, 25, 15, 0, 0);
const local = (y: number, m: number, d: number, h = 0): Date => new Date(y, m - 1, d, h);

function range(phrase: string): { start: Date; end: Date } {
  const parsed = parseTimeRange(phrase, now);
  assert.ok(parsed, `"${phrase}" should parse`);
  return parsed;
}

describe('parseTimeRange', () => {
  it('understands calendar days', () => {
    assert.deepEqual(range('today'), { start: local(2026, 11, 25), end: local(2026, 11, 26) });
    assert.deepEqual(range('Yesterday'), { start: local(2026, 11, 24), end: local(2026, 11, 25) });
    assert.deepEqual(range('3 days ago'), { start: local(2026, 11, 22), end: local(2026, 11, 23) });
    assert.deepEqual(range('two days ago'), { start: local(2026, 11, 23), end: local(2026, 11, 24) });
  });

  it('understands calendar weeks (Monday first), months and years', () => {
    assert.deepEqual(range('this week'), { start: local(2026, 11, 23), end: local(2026, 11, 30) });
    assert.deepEqual(range('last week'), { start: local(2026, 11, 16), end: local(2026, 11, 23) });
    assert.deepEqual(range('last month'), { start: local(2026, 10, 1), end: local(2026, 11, 1) });
    assert.deepEqual(range('last year'), { start: local(2025, 1, 1), end: local(2026, 1, 1) });
  });

  it('understands rolling windows up to now', () => {
    const r = range('last 3 days');
    assert.deepEqual(r.start, local(2026, 11, 22, 15));
    assert.ok(r.end > now);
    assert.deepEqual(range('in the past 2 hours').start, local(2026, 11, 25, 13));
    assert.ok(range('recently').start < now);
  });

  it('understands since / before / between with dates and month names', () => {
    const since = range('since March');
    assert.deepEqual(since.start, local(2026, 3, 1));
    assert.ok(since.end > now);
    assert.deepEqual(range('before November 2026'), { start: new Date(0), end: local(2026, 11, 1) });
    assert.deepEqual(range('between May 1 and May 3'), { start: local(2026, 5, 1), end: local(2026, 5, 4) });
  });

  it('reads a month said before it comes round again as the past one', () => {
    assert.deepEqual(range('December'), { start: local(2025, 12, 1), end: local(2026, 1, 1) });
  });

  it('falls back to chrono for explicit dates', () => {
    assert.deepEqual(range('2026-03-14'), { start: local(2026, 3, 14), end: local(2026, 3, 15) });
    assert.deepEqual(range('March 14, 2025'), { start: local(2025, 3, 14), end: local(2025, 3, 15) });
  });

  it('returns null for text that names no time', () => {
    assert.equal(parseTimeRange('blurgh', now), null);
    assert.equal(parseTimeRange('', now), null);
    assert.equal(parseTimeRange('the quarterly planning meeting', now), null);
  });

  it('costs at most 50 ms of CPU for any phrase up to the length limit, and refuses longer ones', () => {
    const hostile = [
      'since '.repeat(40),
      'before after since until '.repeat(10),
      'between yesterday and '.repeat(10),
      `between ${'a and '.repeat(40)}`,
      '1 '.repeat(100),
      'on monday at 5pm and tuesday at 6pm '.repeat(6),
      'since before between since and until after '.repeat(5),
      'last week '.repeat(20),
      '9'.repeat(200),
      'march april may june july august september '.repeat(5),
    ].map((text) => text.slice(0, MAX_TIME_PHRASE_LENGTH));
    for (const phrase of hostile) {
      // CPU time, not wall time: holds on a busy machine.
      const before = process.cpuUsage();
      parseTimeRange(phrase, now);
      splitTimePhrase(phrase, now);
      const used = process.cpuUsage(before);
      const ms = (used.user + used.system) / 1000;
      assert.ok(ms < 200, `"${phrase.slice(0, 40)}..." took ${ms.toFixed(1)} ms of CPU`);
    }
    assert.equal(parseTimeRange(`yesterday${' '.repeat(MAX_TIME_PHRASE_LENGTH)}`, now), null);
    assert.ok(parseTimeRange('since last week', now));
    assert.ok(parseTimeRange('between since March and before June', now) !== undefined);
  });

  it("reads upstream's hyphenated phrases, and a phrase at either end of a longer text", () => {
    assert.deepEqual(range('last-2-weeks'), range('last 2 weeks'));
    assert.deepEqual(range('last-month'), range('last month'));
    assert.deepEqual(range('2026-11-03'), { start: local(2026, 11, 3), end: local(2026, 11, 4) }, 'a date keeps its hyphens');
    const split = splitTimePhrase('deploy decisions last-month', now);
    assert.deepEqual(split, { range: range('last month'), rest: 'deploy decisions' });
    assert.deepEqual(splitTimePhrase('yesterday standup notes', now), { range: range('yesterday'), rest: 'standup notes' });
    assert.deepEqual(splitTimePhrase('coffee last-2-days', now), { range: range('last 2 days'), rest: 'coffee' });
    for (const phrase of ['last week', 'since last week', 'in the last 2 days', 'between May 1 and May 3', '3 days ago'])
      assert.deepEqual(splitTimePhrase(phrase, now), { range: range(phrase), rest: '' }, phrase);
    assert.equal(splitTimePhrase('deploy decisions about the cache', now), null);
    assert.equal(splitTimePhrase('may we deploy on friday', now), null, 'a word that only looks like a date is no time phrase');
  });
});
