import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/domain-errors.js';
import { MemoriesService } from '../memories/memories.service.js';
import type { JsonObject } from '../storage/memory.js';
import type { Caller } from '../spaces/space-access.js';

export interface SessionTurn {
  role: string;
  content: string;
}

export interface SessionInput {
  turns: readonly SessionTurn[];
  /** Default: a new UUID. */
  sessionId?: string | null;
  tags?: readonly string[] | null;
  metadata?: JsonObject | null;
  space?: string | null;
  agentId?: string | null;
}

export interface StoredSession {
  sessionId: string;
  /** One per chunk, in order (a duplicate chunk answers the hash it already has). */
  contentHashes: string[];
  /** Turns with content (empty ones are left out). */
  turns: number;
  chunks: number;
}

/** A session longer than this is stored in chunks of whole turns (upstream's SESSION_CHUNK_SIZE). */
export const SESSION_CHUNK_CHARS = 1500;

/**
 * Conversations as memories, as upstream's memory_store_session and POST /api/sessions store
 * them: one memory of "[role] content" lines, type session, tag session:<id>; a long one is split
 * on whole turns into chunks tagged chunk:i/n.
 */
@Injectable()
export class SessionsService {
  constructor(private readonly memories: MemoriesService) {}

  async store(input: SessionInput, caller: Caller): Promise<StoredSession> {
    const lines = input.turns.filter((turn) => turn.content.trim() !== '').map((turn) => `[${turn.role}] ${turn.content}`);
    if (lines.length === 0) throw InvalidInputError.field('turns', 'every turn is empty: give at least one turn with content');
    const sessionId = input.sessionId || randomUUID();
    const chunks: string[][] = [[]];
    for (const line of lines) {
      const current = chunks.at(-1)!;
      if (current.length > 0 && [...current, line].join('\n').length > SESSION_CHUNK_CHARS) chunks.push([line]);
      else current.push(line);
    }
    const contentHashes: string[] = [];
    for (const [i, chunk] of chunks.entries()) {
      const outcome = await this.memories.store(
        {
          content: chunk.join('\n'),
          tags: [`session:${sessionId}`, ...(input.tags ?? []), ...(chunks.length > 1 ? [`chunk:${i + 1}/${chunks.length}`] : [])],
          memoryType: 'session',
          metadata: { ...input.metadata, session_id: sessionId },
          space: input.space,
          agentId: input.agentId,
        },
        caller,
      );
      contentHashes.push(outcome.stored ? outcome.memory.contentHash : outcome.contentHash);
    }
    return { sessionId, contentHashes, turns: lines.length, chunks: chunks.length };
  }
}
