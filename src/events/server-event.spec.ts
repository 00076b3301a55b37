import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryDeletedChange, memoryStoredChange } from '../storage/change-log.js';
import { buildServerEvent } from './server-event.js';

const dataOf = (frame: string): Record<string, unknown> => JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as Record<string, unknown>;

describe('server events (the change log rendered for the wire)', () => {
  const memory = {
    contentHash: 'a'.repeat(64),
    space: 'default',
    content: 'x'.repeat(250),
    tags: ['t'],
    memoryType: null,
    metadata: { stored_by: 'ci' },
    createdAt: 1,
    updatedAt: 2,
  };

  it("renders a memory change in upstream's shape: its facts, the change's time, and the message and success flag the wire adds", () => {
    const stored = memoryStoredChange(memory);
    assert.equal(stored.message, undefined, 'the change log keeps facts only');
    const event = buildServerEvent(7, 'memory_stored', stored);
    const data = dataOf(event.plainFrame);
    assert.deepEqual(
      [data.type, data.timestamp, data.content_hash, data.content_truncated, data.content_length, data.actor, data.message],
      ['memory_stored', stored.timestamp, memory.contentHash, true, 250, 'ci', 'New memory stored successfully'],
    );
    assert.match(event.namedFrame, /^id: 7\nevent: memory_stored\ndata: /);
    assert.equal(event.space, 'default', 'a memory change names its space (who may receive it)');
    const deletedEvent = buildServerEvent(8, 'memory_deleted', memoryDeletedChange(memory.contentHash, 'team', 'ci'));
    const deleted = dataOf(deletedEvent.plainFrame);
    assert.deepEqual(
      [deleted.success, deleted.message, deleted.actor, deleted.space, deletedEvent.space],
      [true, 'Memory deleted successfully', 'ci', 'team', 'team'],
    );
  });

  it('renders other notices as they were appended, with the time of delivery when they carry none', () => {
    const event = buildServerEvent(9, 'backup_completed', { backup_id: 'b1', message: 'Backup b1 completed' });
    assert.equal(event.space, null, 'a database-wide event belongs to no space');
    const data = dataOf(event.plainFrame);
    assert.deepEqual([data.type, data.backup_id, data.message, typeof data.timestamp], ['backup_completed', 'b1', 'Backup b1 completed', 'string']);
  });
});
