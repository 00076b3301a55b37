import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Memory } from '../storage/memory.js';
import { versionHistory } from '../storage/roles.js';
import { clustersOf, differingWords, horizonWindow, PairCollector } from './near-duplicates.js';

const memory = (hash: string, extra: Partial<Memory> = {}): Memory => ({
  contentHash: hash,
  space: 'default',
  content: hash,
  tags: [],
  memoryType: null,
  metadata: {},
  createdAt: 1,
  updatedAt: 1,
  ...extra,
});

describe('near-duplicates: pairs, groups and differences', () => {
  it('a pair found from both sides counts once, with its higher similarity; groups join through shared members, largest first', () => {
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((hash, i) => memory(hash, { createdAt: i }));
    const pairs = new PairCollector();
    pairs.add(a!, b!, 0.93);
    pairs.add(b!, a!, 0.95);
    pairs.add(c!, b!, 0.94);
    pairs.add(d!, e!, 0.99);
    pairs.add(memory('a', { space: 'other' }), memory('x', { space: 'other' }), 0.97);
    assert.deepEqual(
      pairs.all().map((p) => [p.a.space, p.a.contentHash, p.b.contentHash, p.similarity]),
      [
        ['default', 'd', 'e', 0.99],
        ['other', 'a', 'x', 0.97],
        ['default', 'b', 'a', 0.95],
        ['default', 'c', 'b', 0.94],
      ],
    );
    const clusters = clustersOf(pairs.all());
    assert.deepEqual(
      clusters.map((cluster) => [cluster.space, cluster.memories.map((m) => m.contentHash), cluster.similarityMin, cluster.similarityMax]),
      [
        ['default', ['c', 'b', 'a'], 0.94, 0.95],
        ['default', ['e', 'd'], 0.99, 0.99],
        ['other', ['a', 'x'], 0.97, 0.97],
      ],
      'the same hash in two spaces is two memories; members newest first (then by hash)',
    );
  });

  it('two versions of one fact differ on both sides; a text that only adds words, or reorders them, does not', () => {
    assert.deepEqual(differingWords('The wifi password rotates every Monday', 'The WiFi password rotates every Friday.'), {
      onlyInA: ['monday'],
      onlyInB: ['friday'],
    });
    assert.deepEqual(differingWords('Backups run nightly', 'Backups run nightly at 2am'), { onlyInA: [], onlyInB: ['2am'] });
    assert.deepEqual(differingWords('run backups nightly', 'Nightly, backups run.'), { onlyInA: [], onlyInB: [] });
  });

  it('time horizons are windows back from now; an unknown one is refused', () => {
    assert.deepEqual(horizonWindow('weekly', 1_000_000), { createdFrom: 1_000_000 - 7 * 86_400 });
    assert.deepEqual(horizonWindow(null), {});
    assert.deepEqual(horizonWindow('all'), {});
    assert.throws(() => horizonWindow('hourly'), /time_horizon/);
  });
});

describe('version history', () => {
  const historyOf = (memories: Memory[], start: string): string[] => {
    const byHash = new Map(memories.map((m) => [m.contentHash, m]));
    return versionHistory(
      start,
      (hash) => byHash.get(hash) ?? null,
      (hash) => memories.filter((m) => m.supersededBy === hash),
    ).map((m) => m.contentHash);
  };

  it('from any version: the newest it led to and everything that one replaced, merges included, older first', () => {
    const memories = [
      memory('v1', { supersededBy: 'v2', createdAt: 1 }),
      memory('v2', { supersedes: 'v1', supersededBy: 'm', createdAt: 2 }),
      memory('other', { supersededBy: 'm', createdAt: 3 }),
      memory('m', { supersedes: 'v2', createdAt: 4 }),
      memory('unrelated', { createdAt: 5 }),
    ];
    for (const start of ['v1', 'v2', 'other', 'm']) assert.deepEqual(historyOf(memories, start), ['v1', 'v2', 'other', 'm'], start);
    assert.deepEqual(historyOf(memories, 'unrelated'), ['unrelated']);
    assert.deepEqual(historyOf(memories, 'missing'), []);
  });

  it('a deleted newest version ends the walk forward; a cycle in bad data ends it too', () => {
    assert.deepEqual(historyOf([memory('v1', { supersededBy: 'gone' })], 'v1'), ['v1']);
    const cycle = [memory('x', { supersededBy: 'y', supersedes: 'y' }), memory('y', { supersededBy: 'x', supersedes: 'x' })];
    assert.deepEqual(historyOf(cycle, 'x').sort(), ['x', 'y']);
  });
});
