import { DEFAULT_SPACE, type Memory } from './memory.js';

/**
 * Of the copies of one content hash (one per space), the one a caller means: the first of
 * `spaces` (in the caller's order of preference) that holds one; with no spaces given, the default
 * space's copy, else the first by name.
 */
export function firstBySpace(copies: readonly Memory[], spaces?: readonly string[]): Memory | null {
  if (spaces === undefined) {
    return copies.find((m) => m.space === DEFAULT_SPACE) ?? [...copies].sort((a, b) => a.space.localeCompare(b.space))[0] ?? null;
  }
  for (const space of spaces) {
    const copy = copies.find((m) => m.space === space);
    if (copy) return copy;
  }
  return null;
}
