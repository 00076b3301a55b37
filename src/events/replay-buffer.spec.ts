import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplayBuffer } from './replay-buffer.js';

const item = (id: number): { id: number } => ({ id });

describe('ReplayBuffer', () => {
  it('returns what came after an id, oldest first', () => {
    const buffer = new ReplayBuffer<{ id: number }>(5);
    for (let id = 1; id <= 4; id++) buffer.push(item(id));
    assert.deepEqual(buffer.since(2, 4), [item(3), item(4)]);
    assert.deepEqual(buffer.since(0, 4), [item(1), item(2), item(3), item(4)]);
    assert.deepEqual(buffer.since(4, 4), []);
  });

  it('keeps only the newest items and reports a gap as null', () => {
    const buffer = new ReplayBuffer<{ id: number }>(3);
    for (let id = 1; id <= 10; id++) buffer.push(item(id));
    assert.equal(buffer.size, 3);
    assert.equal(buffer.oldestId, 8);
    assert.deepEqual(buffer.since(7, 10), [item(8), item(9), item(10)]);
    assert.equal(buffer.since(6, 10), null);
  });

  it('treats an id newer than any issued (e.g. from before a restart) as a gap', () => {
    const buffer = new ReplayBuffer<{ id: number }>(3);
    buffer.push(item(1));
    assert.equal(buffer.since(99, 1), null);
  });

  it('with capacity 0 holds nothing and asks every resuming client to resync', () => {
    const buffer = new ReplayBuffer<{ id: number }>(0);
    buffer.push(item(1));
    assert.equal(buffer.size, 0);
    assert.equal(buffer.since(0, 1), null);
    assert.deepEqual(buffer.since(1, 1), []);
  });
});
