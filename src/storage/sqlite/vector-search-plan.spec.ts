import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CROWDED_TIES_PER_RESULT, LARGE_INDEX_FROM, MAX_SEARCH_WIDTH, searchWidth, widerSearch, WIDTH_PER_TIE } from './ann-index.protocol.js';
import { ANN_MAX_CANDIDATES, annCandidates, candidateDepths, EXACT_FILTERED_MAX, FILTER_COUNT_CAP, planVectorSearch } from './vector-search-plan.js';

describe('vector search planner', () => {
  const shape = { indexed: 100_000, filtered: false, matching: 0, limit: 10, excluding: false };

  it('scans every vector exactly when there is no ready index, and the filtered rows when a filter is set', () => {
    assert.deepEqual(planVectorSearch({ ...shape, indexed: null }), { way: 'scan' });
    assert.deepEqual(planVectorSearch({ ...shape, indexed: null, filtered: true, matching: 90_000 }), { way: 'filtered-scan' });
  });

  it('goes through the index unfiltered, asking a few candidates per result and at least a minimum, more on large indexes', () => {
    assert.deepEqual(planVectorSearch(shape), { way: 'index', candidates: 22, enough: 0 });
    assert.deepEqual(planVectorSearch({ ...shape, limit: 1 }), { way: 'index', candidates: 20, enough: 0 });
    assert.deepEqual(planVectorSearch({ ...shape, indexed: LARGE_INDEX_FROM }), { way: 'index', candidates: 33, enough: 0 });
    assert.equal(annCandidates(100, 1_000, 1), 202);
  });

  it('scans a narrow filter exactly and searches a broad one through the index, deeper the more selective it is', () => {
    assert.deepEqual(planVectorSearch({ ...shape, filtered: true, matching: EXACT_FILTERED_MAX }), { way: 'filtered-scan' });
    // A filter keeping 10% of the memories: ten times the candidates of an unfiltered search.
    assert.deepEqual(planVectorSearch({ ...shape, filtered: true, matching: 10_000 }), { way: 'index', candidates: 220, enough: 10 });
    // At the count's cap the filter is taken to keep most memories.
    assert.deepEqual(planVectorSearch({ ...shape, filtered: true, matching: FILTER_COUNT_CAP }), { way: 'index', candidates: 22, enough: 10 });
  });

  it('wants one result fewer when the query’s own memory is excluded, and never more than the filter keeps', () => {
    assert.equal(planVectorSearch({ ...shape, filtered: true, matching: 6_000, limit: 10, excluding: true }).way, 'index');
    const plan = planVectorSearch({ ...shape, indexed: 6_000, filtered: true, matching: 5_001, limit: 10_000, excluding: true });
    assert.deepEqual(plan.way === 'index' && plan.enough, 5_000);
  });

  it('deepens four times each step up to the cap, and stops there', () => {
    assert.deepEqual([...candidateDepths(22)], [22, 88, 352, 1408, ANN_MAX_CANDIDATES]);
    assert.deepEqual([...candidateDepths(ANN_MAX_CANDIDATES)], [ANN_MAX_CANDIDATES]);
    assert.deepEqual([...candidateDepths(5_000)], [ANN_MAX_CANDIDATES]);
  });

  it('searches a shallow list with the index expansion and a deep one with an expansion in proportion to its depth, up to a bound', () => {
    assert.equal(searchWidth(22, 100_000), 128);
    assert.equal(searchWidth(100, 100_000), 128);
    assert.equal(searchWidth(22, LARGE_INDEX_FROM), 256);
    // A hybrid search's meaning leg (50 results, 102 candidates): not the deep lists' widest expansion.
    assert.equal(searchWidth(102, 100_000), 255);
    assert.equal(searchWidth(102, LARGE_INDEX_FROM), 256);
    assert.equal(searchWidth(300, 100_000), 750);
    assert.equal(searchWidth(2_000, 100_000), 2_000);
    assert.equal(searchWidth(600, 100_000), 1024);
    // Never wider than the index.
    assert.equal(searchWidth(300, 500), 500);
  });

  it('searches a crowded neighbourhood (many near ties past the limit) once more, wider in proportion, up to a bound', () => {
    // A first search 128 wide: a few near ties per result are an ordinary neighbourhood.
    assert.equal(widerSearch(128, 10 * CROWDED_TIES_PER_RESULT - 1, 10, 100_000), null);
    assert.equal(widerSearch(128, 50 * CROWDED_TIES_PER_RESULT - 1, 50, 100_000), null);
    // Near-duplicates: the search looks WIDTH_PER_TIE vectors per near tie.
    assert.equal(widerSearch(128, 48, 10, 100_000), searchWidth(48 * WIDTH_PER_TIE, 100_000));
    assert.ok(widerSearch(128, 48, 10, 100_000)! > 128);
    assert.equal(widerSearch(256, 1_000, 10, 1_000_000), MAX_SEARCH_WIDTH);
    // Never wider than the index, nor again once wide enough.
    assert.equal(widerSearch(128, 120, 10, 300), 300);
    assert.equal(widerSearch(300, 290, 10, 300), null);
    assert.equal(widerSearch(MAX_SEARCH_WIDTH, 1_000, 10, 1_000_000), null);
  });
});
