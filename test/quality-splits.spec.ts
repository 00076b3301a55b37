import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { splitHalves } from '../bench/quality/splits.js';

describe("the quality benchmark's own set, in a tuning half and a held-out half", () => {
  const queries = (JSON.parse(readFileSync('bench/quality/corpus.json', 'utf8')) as { queries: { id: string; category: string }[] }).queries;

  it('puts every question in exactly one half, the same one on every run, whatever order the set is read in', () => {
    const split = splitHalves(queries);
    assert.equal(split.length, queries.length);
    const again = new Map(splitHalves([...queries].reverse()).map((q) => [q.id, q.split]));
    assert.ok(split.every((q) => again.get(q.id) === q.split));
  });

  it('gives each half every category in the same proportion (within one question)', () => {
    const split = splitHalves(queries);
    for (const category of new Set(queries.map((q) => q.category))) {
      const tuning = split.filter((q) => q.category === category && q.split === 'tuning').length;
      const heldOut = split.filter((q) => q.category === category && q.split === 'held_out').length;
      assert.ok(Math.abs(tuning - heldOut) <= 1 && heldOut > 0, `${category}: ${tuning} / ${heldOut}`);
    }
  });
});
