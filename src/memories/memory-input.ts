import { InvalidInputError } from '../common/domain-errors.js';
import { INPUT_LIMITS, MAX_METADATA_BYTES, MAX_TAG_LENGTH, MAX_TAGS, nestsDeeperThan } from '../common/input-limits.js';
import type { JsonObject } from '../storage/memory.js';

/**
 * Text is stored as UTF-8; a lone UTF-16 surrogate has no UTF-8 form and would be replaced
 * silently. Such input is refused instead.
 */
export function assertWellFormed(value: string, field: string): void {
  const problem = textProblem(value);
  if (problem !== null) throw InvalidInputError.field(field, problem);
}

/** Why a text cannot be stored as given on every backend (PostgreSQL text cannot hold NUL). */
function textProblem(value: string): string | null {
  if (!value.isWellFormed()) return 'contains a lone UTF-16 surrogate (not valid Unicode text)';
  if (value.includes('\u0000')) return 'contains a NUL character (\\u0000), which text cannot hold';
  return null;
}

function problemIn(value: unknown, path: string): { field: string; message: string } | null {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [current, at] = stack.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem !== null) return { field: at, message: problem };
    } else if (typeof current === 'number') {
      if (!Number.isFinite(current)) return { field: at, message: 'is not a finite number' };
      if (Number.isInteger(current) && !Number.isSafeInteger(current)) {
        return { field: at, message: 'is an integer beyond ±2^53, which cannot be kept exactly; send it as a string' };
      }
    } else if (Array.isArray(current)) {
      current.forEach((item, i) => stack.push([item, `${at}[${i}]`]));
    } else if (typeof current === 'object' && current !== null) {
      if (Object.getPrototypeOf(current) !== Object.prototype && Object.getPrototypeOf(current) !== null) {
        return { field: at, message: 'must be plain JSON' };
      }
      for (const key of Object.keys(current)) {
        if (key === '__proto__') return { field: at, message: 'has a key named __proto__, which is not allowed' };
        if (textProblem(key) !== null) return { field: at, message: `has a key that ${textProblem(key)}` };
        stack.push([(current as Record<string, unknown>)[key], `${at}.${key}`]);
      }
    } else if (current !== null && typeof current !== 'boolean') {
      return { field: at, message: 'must be plain JSON' };
    }
  }
  return null;
}

/**
 * Metadata is arbitrary JSON kept exactly as given: any key (toString, constructor, ...), within
 * INPUT_LIMITS.metadataDepth levels and MAX_METADATA_BYTES. What JSON cannot keep exactly is
 * refused, never altered. The depth is checked first: serializing it is safe afterwards.
 */
export function checkMetadata(metadata: JsonObject, field = 'metadata'): void {
  if (nestsDeeperThan(metadata, INPUT_LIMITS.metadataDepth)) {
    throw InvalidInputError.field(field, `${field} nests deeper than ${INPUT_LIMITS.metadataDepth} levels`);
  }
  const problem = problemIn(metadata, field);
  if (problem) throw InvalidInputError.field(problem.field, `${problem.field} ${problem.message}`);
  const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (bytes > MAX_METADATA_BYTES) {
    throw InvalidInputError.field(field, `metadata is ${bytes} bytes as JSON; the limit is ${MAX_METADATA_BYTES} bytes`);
  }
}

/**
 * Metadata keys the server owns: who stored a memory and who changed it last (the labels of the
 * keys they came with). They are never taken from a client (store, update, REST or MCP alike): a
 * client's value is dropped, and the stored one stays. Imports are the exception: they restore
 * what an export recorded.
 */
export const SERVER_OWNED_METADATA_KEYS: readonly string[] = ['stored_by', 'updated_by'];

/**
 * An agent id (upstream's agent_id argument and X-Agent-ID header): the agent's own name for
 * itself, lower-cased; 1-100 visible ASCII characters. Null when none was given.
 */
export function agentIdOf(value: string | null | undefined, field = 'agent_id'): string | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  const agentId = value.trim().toLowerCase();
  if (agentId.length > INPUT_LIMITS.agentIdLength || !/^[\x21-\x7e]+$/.test(agentId)) {
    throw InvalidInputError.field(field, `${field} must be 1-${INPUT_LIMITS.agentIdLength} visible ASCII characters`);
  }
  return agentId;
}

/** The client's metadata without the keys the server owns. */
export function clientMetadata(metadata: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !SERVER_OWNED_METADATA_KEYS.includes(key)));
}

/** The content rules every way in shares (REST, MCP, imports): not blank, valid text, within the size limit. */
export function checkContent(content: string, maxContentBytes: number, field = 'content'): void {
  if (content.trim() === '') throw InvalidInputError.field(field, `${field} must not be empty or only whitespace`);
  assertWellFormed(content, field);
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > maxContentBytes) throw InvalidInputError.field(field, `${field} is ${bytes} bytes; the limit is ${maxContentBytes} bytes`);
}

/** Tags (already normalized) and type within the input limits, as valid text. */
export function checkTagsAndType(tags: readonly string[], memoryType: string | null | undefined): void {
  if (tags.length > MAX_TAGS) throw InvalidInputError.field('tags', `${tags.length} tags; at most ${MAX_TAGS} are allowed`);
  tags.forEach((tag, i) => {
    assertWellFormed(tag, `tags[${i}]`);
    if (tag.length > MAX_TAG_LENGTH) throw InvalidInputError.field(`tags[${i}]`, `a tag has at most ${MAX_TAG_LENGTH} characters`);
    // A comma separates tags in ?tag=a,b and in the tools' "a, b" form: a tag holding one could not be asked for again.
    if (tag.includes(','))
      throw InvalidInputError.field(`tags[${i}]`, `a tag must not contain a comma (commas separate tags): ${JSON.stringify(tag.slice(0, 40))}`);
  });
  if (memoryType) {
    assertWellFormed(memoryType, 'memory_type');
    if (memoryType.length > INPUT_LIMITS.memoryTypeLength) {
      throw InvalidInputError.field('memory_type', `memory_type has at most ${INPUT_LIMITS.memoryTypeLength} characters`);
    }
  }
}
