import { InvalidInputError } from '../common/domain-errors.js';
import { MAX_METADATA_BYTES } from '../common/input-limits.js';
import type { JsonObject } from '../storage/memory-repository.js';

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
 * Metadata is arbitrary JSON kept exactly as given: any key (toString, constructor, ...) at any
 * depth, within MAX_METADATA_BYTES. What JSON cannot keep exactly is refused, never altered.
 */
export function checkMetadata(metadata: JsonObject, field = 'metadata'): void {
  const problem = problemIn(metadata, field);
  if (problem) throw InvalidInputError.field(problem.field, `${problem.field} ${problem.message}`);
  const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (bytes > MAX_METADATA_BYTES) {
    throw InvalidInputError.field(field, `metadata is ${bytes} bytes as JSON; the limit is ${MAX_METADATA_BYTES} bytes`);
  }
}
