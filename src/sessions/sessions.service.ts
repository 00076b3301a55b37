import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError } from '../common/domain-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MemoriesService } from '../memories/memories.service.js';
import type { JsonObject } from '../storage/memory.js';
import type { Caller } from '../spaces/space-access.js';
import { SESSION_TURN_TYPE, SESSION_TYPE, sessionTag } from './session-memories.js';

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
  /** The turns' own memories, in order (none when turn memories are off, or for a single turn). */
  turnHashes: string[];
  /** Turns with content (empty ones are left out). */
  turns: number;
  chunks: number;
}

/** A session longer than this is stored in chunks of whole turns (upstream's SESSION_CHUNK_SIZE). */
export const SESSION_CHUNK_CHARS = 1500;

/** Shorter turns ("ok", "thanks!") say nothing a search could want on their own: they stay in the session's memory only. */
export const MIN_TURN_MEMORY_CHARS = 20;

/** Turn memories stored at once, at most: the model threads embed queued texts together, so a long session costs a few model calls rather than one per turn. */
const TURNS_AT_ONCE = 8;

/** `work` over the items, at most `lanes` at a time, started in order; the results in the items' order. */
async function mapInLanes<T, R>(items: readonly T[], lanes: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
  return results;
}

/**
 * Conversations as memories, as upstream's memory_store_session and POST /api/sessions store
 * them: one memory of "[role] content" lines, type session, tag session:<id>; a long one is split
 * on whole turns into chunks tagged chunk:i/n. Each turn is a memory of its own too (type
 * session_turn, same tags, its place in metadata) unless configured off: questions about what
 * was said find the turn far more often than the session around it (bench/quality/session-granularity.ts).
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly memories: MemoriesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async store(input: SessionInput, caller: Caller): Promise<StoredSession> {
    const turns = input.turns.filter((turn) => turn.content.trim() !== '');
    const lines = turns.map((turn) => `[${turn.role}] ${turn.content}`);
    if (lines.length === 0) throw InvalidInputError.field('turns', 'every turn is empty: give at least one turn with content');
    const sessionId = input.sessionId || randomUUID();
    const chunks: string[][] = [[]];
    for (const line of lines) {
      const current = chunks.at(-1)!;
      if (current.length > 0 && [...current, line].join('\n').length > SESSION_CHUNK_CHARS) chunks.push([line]);
      else current.push(line);
    }
    const store = async (content: string, memoryType: string, tags: readonly string[], metadata: JsonObject): Promise<string> => {
      const outcome = await this.memories.store(
        {
          content,
          tags: [sessionTag(sessionId), ...(input.tags ?? []), ...tags],
          memoryType,
          metadata: { ...input.metadata, session_id: sessionId, ...metadata },
          space: input.space,
          agentId: input.agentId,
        },
        caller,
      );
      return outcome.stored ? outcome.memory.contentHash : outcome.contentHash;
    };
    const contentHashes: string[] = [];
    for (const [i, chunk] of chunks.entries()) {
      contentHashes.push(await store(chunk.join('\n'), SESSION_TYPE, chunks.length > 1 ? [`chunk:${i + 1}/${chunks.length}`] : [], {}));
    }
    const turnHashes =
      this.config.sessions.turnMemories && lines.length > 1
        ? await mapInLanes(
            lines.map((line, i) => ({ line, turn: i + 1 })).filter(({ turn }) => turns[turn - 1]!.content.trim().length >= MIN_TURN_MEMORY_CHARS),
            TURNS_AT_ONCE,
            ({ line, turn }) => store(line, SESSION_TURN_TYPE, [], { turn, turns: lines.length }),
          )
        : [];
    return { sessionId, contentHashes, turnHashes, turns: lines.length, chunks: chunks.length };
  }
}
