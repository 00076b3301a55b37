import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Memory } from '../storage/memory.js';
import { rankHits, rankingWeights, RECENCY_HALF_LIFE_DAYS } from './ranked.js';
import type { SearchHit } from './search.service.js';

const NOW = 1_800_000_000;
const hit = (hash: string, similarity: number, ageDays: number, accessCount?: number): SearchHit => ({
  memory: {
    contentHash: hash,
    space: 'default',
    content: hash,
    tags: [],
    memoryType: null,
    metadata: {},
    createdAt: NOW - ageDays * 86_400,
    updatedAt: NOW,
    ...(accessCount === undefined ? {} : { accessCount }),
  } satisfies Memory,
  similarity,
  keywordScore: null,
  fusedScore: null,
  reason: 'semantic',
});

describe('ranked search', () => {
  it('normalizes the weights to sum 1, fills the missing ones with the defaults, and refuses all zero', () => {
    const weights = rankingWeights({ semantic: 2, timeDecay: 2, accessFrequency: 0, quality: 0 });
    assert.deepEqual(weights, { semantic: 0.5, timeDecay: 0.5, accessFrequency: 0, quality: 0 });
    const defaults = rankingWeights(null);
    assert.ok(Math.abs(defaults.semantic + defaults.timeDecay + defaults.accessFrequency + defaults.quality - 1) < 1e-9);
    assert.throws(() => rankingWeights({ semantic: 0, timeDecay: 0, accessFrequency: 0 }), /ranking_weights/);
  });

  it('orders by the weighted signals: meaning alone, recency alone (halving per half-life), use alone (log scale)', () => {
    const hits = [hit('close-old-unused', 0.9, 2 * RECENCY_HALF_LIFE_DAYS), hit('far-new', 0.5, 0), hit('mid-used', 0.7, RECENCY_HALF_LIFE_DAYS, 40)];
    const order = (weights: Parameters<typeof rankingWeights>[0]): string[] => rankHits(hits, rankingWeights(weights), NOW).map((h) => h.memory.contentHash);
    assert.deepEqual(order({ semantic: 1, timeDecay: 0, accessFrequency: 0 }), ['close-old-unused', 'mid-used', 'far-new']);
    assert.deepEqual(order({ semantic: 0, timeDecay: 1, accessFrequency: 0 }), ['far-new', 'mid-used', 'close-old-unused']);
    assert.deepEqual(order({ semantic: 0, timeDecay: 0, accessFrequency: 1 })[0], 'mid-used');
    const [first] = rankHits(hits, rankingWeights({ semantic: 0, timeDecay: 1, accessFrequency: 0 }), NOW);
    assert.equal(first!.fusedScore, 1);
    const halved = rankHits([hits[2]!], rankingWeights({ semantic: 0, timeDecay: 1, accessFrequency: 0 }), NOW)[0]!;
    assert.equal(halved.fusedScore, 0.5);
    assert.equal(halved.reason, 'ranked: meaning 0.70, recency 0.50, use 1.00', 'use is relative to the most used candidate');
  });
});
