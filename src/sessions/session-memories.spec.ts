import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Memory } from '../storage/memory.js';
import { SESSION_TURN_TYPE, SESSION_TYPE, withoutRepeatedTurns } from './session-memories.js';

const memory = (content: string, memoryType: string | null, tags: string[]): { memory: Memory } => ({
  memory: { contentHash: content, space: 'default', content, tags, memoryType, metadata: {}, createdAt: 0, updatedAt: 0 },
});
const contents = (hits: { memory: Memory }[]): string[] => hits.map((hit) => hit.memory.content);

describe('withoutRepeatedTurns', () => {
  const first = memory('[user] the boiler is fixed', SESSION_TURN_TYPE, ['session:a']);
  const second = memory('[user] the new cabinets are oak', SESSION_TURN_TYPE, ['session:a']);
  const session = memory('[user] the boiler is fixed\n[user] the new cabinets are oak', SESSION_TYPE, ['session:a']);
  const otherChunk = memory('[user] we moved in May', SESSION_TYPE, ['session:a', 'chunk:2/2']);
  const note = memory('the boiler is fixed', 'note', []);

  it('drops a session memory under a turn it holds, and a turn under a session memory holding it', () => {
    assert.deepEqual(contents(withoutRepeatedTurns([first, note, session, second])), [first.memory.content, note.memory.content, second.memory.content]);
    assert.deepEqual(contents(withoutRepeatedTurns([session, first, note, second])), [session.memory.content, note.memory.content]);
  });

  it("keeps a conversation's different turns, a chunk that does not hold the turn, and other conversations' memories", () => {
    const elsewhere = memory('[user] the boiler is fixed', SESSION_TURN_TYPE, ['session:b']);
    assert.deepEqual(contents(withoutRepeatedTurns([first, second, otherChunk, elsewhere])), [
      first.memory.content,
      second.memory.content,
      otherChunk.memory.content,
      elsewhere.memory.content,
    ]);
  });
});
