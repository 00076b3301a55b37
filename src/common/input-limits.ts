/**
 * Every input limit in one place. REST DTOs, the MCP tool schemas (stdio, /mcp, bridge) and the
 * services read them from here, so no entry point accepts what another refuses. The content size
 * limit is configurable (MCP_MEMORY_MAX_CONTENT_BYTES) and lives in the configuration.
 */
export const INPUT_LIMITS = Object.freeze({
  /** Characters of a search query (semantic or keyword). */
  queryLength: 10_000,
  /** Characters of a natural-language time phrase; parsing cost grows with length. */
  timePhraseLength: 200,
  tags: 100,
  tagLength: 200,
  memoryTypeLength: 100,
  /** Serialized metadata, UTF-8 bytes. */
  metadataBytes: 64 * 1024,
  /** Nesting of metadata (the object itself is depth 1): checked before anything walks it recursively. */
  metadataDepth: 24,
  /** Results of a search (n_results / limit). */
  results: 100,
  /** Results of a tag search, which returns whole tag sets. */
  tagResults: 1000,
  pageSize: 100,
  /** client_hostname, conversation_id. */
  clientFieldLength: 255,
  agentIdLength: 100,
  /** Memories one merge combines. */
  mergeSources: 100,
  /** Memories one look for near-duplicates or conflicts examines (each one a nearest-neighbour search). */
  consolidationExamined: 5_000,
  /** Characters of an input value echoed back in an error message. */
  echoedInputLength: 80,
});

export const MAX_QUERY_LENGTH = INPUT_LIMITS.queryLength;
export const MAX_TIME_PHRASE_LENGTH = INPUT_LIMITS.timePhraseLength;
export const MAX_TAGS = INPUT_LIMITS.tags;
export const MAX_TAG_LENGTH = INPUT_LIMITS.tagLength;
export const MAX_METADATA_BYTES = INPUT_LIMITS.metadataBytes;

/**
 * Whether a parsed JSON value nests deeper than `max` levels (a scalar is 0, `{}` is 1), found
 * without recursion: a hostile value may nest thousands deep, past the stack of anything
 * recursive (JSON.stringify among them).
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** An input value as it may appear in an error message: cut to a few dozen characters. */
export function echo(value: string): string {
  return value.length <= INPUT_LIMITS.echoedInputLength ? value : `${value.slice(0, INPUT_LIMITS.echoedInputLength)}... (${value.length} characters)`;
}
