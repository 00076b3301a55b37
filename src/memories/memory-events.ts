import type { Memory } from '../storage/memory.js';

/** Domain events emitted by MemoriesService after a change is committed. */
export const MemoryEvents = {
  stored: 'memory.stored',
  updated: 'memory.updated',
  deleted: 'memory.deleted',
} as const;

export interface MemoryStoredEvent {
  memory: Memory;
}

export interface MemoryUpdatedEvent {
  memory: Memory;
}

export interface MemoryDeletedEvent {
  contentHash: string;
  space: string;
}
