import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplayBuffer } from './replay-buffer.js';

const item = (id: number, bytes = 10): { id: number; bytes: number } => ({ id, bytes });
const sized = (capacity: number, maxBytes = 1_000_000) => new ReplayBuffer<{ id: number; bytes: number }>(capacity, maxBytes, (i) => i.bytes);

describe('ReplayBuffer', () => {
  it('returns what came after an id, oldest first', () => {
    const buffer = sized(5);
    for (let id = 1; id <= 4; id++) buffer.push(item(id));
    assert.deepEqual(buffer.since(2, 4), [item(3), item(4)]);
    assert.deepEqual(buffer.since(0, 4), [item(1), item(2), item(3), item(4)]);
    assert.deepEqual(buffer.since(4, 4), []);
  });

  it('keeps only the newest items and reports a gap as null', () => {
    const buffer = sized(3);
    for (let id = 1; id <= 10; id++) buffer.push(item(id));
    assert.equal(buffer.size, 3);
    assert.equal(buffer.oldestId, 8);
    assert.deepEqual(buffer.since(7, 10), [item(8), item(9), item(10)]);
    assert.equal(buffer.since(6, 10), null);
  });

  it('is bounded by bytes as well as by count', () => {
    const buffer = sized(1000, 100);
    for (let id = 1; id <= 50; id++) buffer.push(item(id, 30));
    assert.equal(buffer.size, 3);
    assert.ok(buffer.bytes <= 100);
    assert.equal(buffer.oldestId, 48);
    buffer.push(item(51, 500));
    assert.equal(buffer.size, 0, 'an item larger than the whole budget is not kept, and older ones cannot be replayed past it');
    assert.equal(buffer.since(50, 51), null);
  });

  it('holds steady memory over a long run', () => {
    const buffer = sized(10, 1000);
    for (let id = 1; id <= 100_000; id++) buffer.push(item(id, 7));
    assert.equal(buffer.size, 10);
    assert.deepEqual(buffer.since(99_998, 100_000), [item(99_999, 7), item(100_000, 7)]);
  });

  it('treats an id newer than any issued (e.g. from before a restart) as a gap', () => {
    const buffer = sized(3);
    buffer.push(item(1));
    assert.equal(buffer.since(99, 1), null);
  });

  it('with capacity 0 holds nothing and asks every resuming client to look further', () => {
    const buffer = sized(0);
    buffer.push(item(1));
    assert.equal(buffer.size, 0);
    assert.equal(buffer.since(0, 1), null);
    assert.deepEqual(buffer.since(1, 1), []);
  });
});
