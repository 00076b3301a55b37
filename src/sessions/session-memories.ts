import type { Memory } from '../storage/memory.js';

/** A stored conversation's memory ("[role] content" lines; chunks of a long one), as upstream stores it. */
export const SESSION_TYPE = 'session';
/** One turn of a stored conversation, kept beside the session's memory. */
export const SESSION_TURN_TYPE = 'session_turn';

/** Every memory of a conversation carries `session:<id>`. */
const SESSION_TAG_PREFIX = 'session:';
export const sessionTag = (sessionId: string): string => `${SESSION_TAG_PREFIX}${sessionId}`;

/**
 * A ranking that shows each thing said once: a conversation's memory holds its turns' text, so
 * going down the ranking, a turn under a shown memory of its session that holds it, and a session
 * memory under a shown turn it holds, repeat what is already shown and are left out. Different
 * turns of one conversation are different evidence and all stay; other memories are untouched.
 */
export function withoutRepeatedTurns<T extends { memory: Memory }>(ranked: readonly T[]): T[] {
  const shown = new Map<string, Memory[]>();
  return ranked.filter(({ memory }) => {
    if (memory.memoryType !== SESSION_TYPE && memory.memoryType !== SESSION_TURN_TYPE) return true;
    const session = memory.tags.find((tag) => tag.startsWith(SESSION_TAG_PREFIX));
    if (session === undefined) return true;
    const before = shown.get(session) ?? [];
    const repeats = before.some((other) =>
      memory.memoryType === SESSION_TURN_TYPE
        ? other.memoryType === SESSION_TYPE && other.content.includes(memory.content)
        : other.memoryType === SESSION_TURN_TYPE && memory.content.includes(other.content),
    );
    if (repeats) return false;
    shown.set(session, [...before, memory]);
    return true;
  });
}
