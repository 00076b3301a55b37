import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Memory } from '../storage/memory.js';
import { ResultCache } from './result-cache.js';

const hit = (hash: string, expiresAt?: number): { memory: Memory } => ({
  memory: {
    contentHash: hash,
    space: 'default',
    content: hash,
    tags: [],
    memoryType: null,
    metadata: {},
    createdAt: 1,
    updatedAt: 1,
    ...(expiresAt ? { expiresAt } : {}),
  },
});

describe('ResultCache', () => {
  it('answers a key at the version it was computed at only, and computes once', async () => {
    const cache = new ResultCache<{ memory: Memory }>(10);
    let computed = 0;
    const compute = async () => {
      computed += 1;
      return [hit('a')];
    };
    await cache.through('q', 7, compute);
    await cache.through('q', 7, compute);
    assert.equal(computed, 1);
    await cache.through('q', 8, compute);
    assert.equal(computed, 2, 'the change log moved');
    assert.equal(cache.get('other', 8), null);
  });

  it('keeps the most recently used entries, and nothing at size 0', () => {
    const cache = new ResultCache<{ memory: Memory }>(2);
    cache.set('a', 1, [hit('a')]);
    cache.set('b', 1, [hit('b')]);
    cache.get('a', 1);
    cache.set('c', 1, [hit('c')]);
    assert.notEqual(cache.get('a', 1), null);
    assert.equal(cache.get('b', 1), null, 'the least recently used went');
    const none = new ResultCache<{ memory: Memory }>(0);
    none.set('a', 1, [hit('a')]);
    assert.equal(none.get('a', 1), null);
    assert.equal(cache.clear(), 2);
  });

  it('leaves out a memory that expired since (expiry logs no change until the purge)', () => {
    const cache = new ResultCache<{ memory: Memory }>(2);
    cache.set('q', 1, [hit('gone', Date.now() / 1000 - 1), hit('kept')]);
    assert.deepEqual(
      cache.get('q', 1)!.map((h) => h.memory.contentHash),
      ['kept'],
    );
  });
});
