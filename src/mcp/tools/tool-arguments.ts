import { z } from 'zod';
import { INPUT_LIMITS, MAX_QUERY_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, MAX_TIME_PHRASE_LENGTH, nestsDeeperThan } from '../../common/input-limits.js';
import { normalizeTags } from '../../memories/tags.js';
import { splitTimePhrase } from '../../time/time-range.parser.js';
import { ToolInputError } from './tool-errors.js';

/** Tags in every shape upstream's tools accept: a list, "a, b", one tag, or a JSON array in a string. */
export const tagsArgument = z
  .union([z.string().max(MAX_TAGS * (MAX_TAG_LENGTH + 1)), z.array(z.string().max(MAX_TAG_LENGTH)).max(MAX_TAGS)])
  .optional()
  .describe('Tags: a list, or one string with commas ("redis, config")');

export function tagList(value: string | string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return normalizeTags(value);
  const text = value.trim();
  if (text.startsWith('[') && text.length <= 4096) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((t) => typeof t === 'string')) return normalizeTags(parsed as string[]);
    } catch {
      // Not JSON: commas below.
    }
  }
  const tags = normalizeTags(text.split(','));
  if (tags.length > MAX_TAGS) throw new ToolInputError(`at most ${MAX_TAGS} tags`);
  return tags;
}

/** How several tags combine: tag_match (upstream), operation AND/OR, or match_all. */
export const tagMatchArguments = {
  tag_match: z.enum(['any', 'all']).optional().describe('any (default) or all'),
  operation: z.enum(['AND', 'OR', 'and', 'or']).optional().describe('Older clients: AND = all tags, OR = any'),
  match_all: z.boolean().optional().describe('Older clients: true = all tags'),
};

export function tagMatchOf(args: { tag_match?: 'any' | 'all' | null; operation?: string | null; match_all?: boolean | null }): 'any' | 'all' {
  if (args.tag_match) return args.tag_match;
  if (args.operation) return args.operation.toUpperCase() === 'AND' ? 'all' : 'any';
  return args.match_all === true ? 'all' : 'any';
}

/**
 * Metadata: any JSON object within the nesting limit every way in shares (checked before it is
 * serialized); `around` levels for an object that holds the metadata (memory_update's updates).
 */
export const metadataArgument = (around = 0) =>
  z.record(z.string(), z.unknown()).refine((value) => !nestsDeeperThan(value, INPUT_LIMITS.metadataDepth + around), {
    message: `metadata nests deeper than ${INPUT_LIMITS.metadataDepth} levels`,
  });

/** upstream's `store` (a partition): here a space. */
export const storeArgument = z
  .string()
  .max(65)
  .optional()
  .describe(
    'The space (upstream: store). Reads: one space, or "all" (the default: every space the key may read); writes: default the key\'s own default space',
  );

/** upstream's agent_id: the agent's name for itself. */
export const agentIdArgument = z.string().max(INPUT_LIMITS.agentIdLength).optional();

export const queryArgument = z.string().max(MAX_QUERY_LENGTH);
export const timeExpressionArgument = z.string().max(MAX_TIME_PHRASE_LENGTH);
export const dateArgument = z.string().max(40);
export const contentHashArgument = z.string().regex(/^[0-9a-fA-F]{64}$/, 'a content_hash is 64 hexadecimal characters');
export const countArgument = (max: number) => z.number().int().min(1).max(max);
export const resultCountArgument = countArgument(INPUT_LIMITS.results);

/**
 * A time expression as an [after, before) window of ISO instants: parsed where the tool runs
 * (server-local time for stdio and /mcp; the bridge's machine for the bridge), so both kinds of
 * backend receive the same explicit bounds.
 */
export function timeExpressionWindow(expression: string): { after: string; before: string } {
  if (expression.trim() === '') throw new ToolInputError('time_expr is empty; give a time expression such as "last week"');
  const range = splitTimePhrase(expression)?.range;
  if (!range)
    throw new ToolInputError(
      `could not understand the time expression "${expression.slice(0, 80)}" (try "yesterday", "last week", "3 days ago", "since March")`,
    );
  return { after: range.start.toISOString(), before: range.end.toISOString() };
}

/** The later of two lower bounds / the earlier of two upper bounds (ISO strings or YYYY-MM-DD). */
export function tighter(a: string | null | undefined, b: string | null | undefined, pick: 'later' | 'earlier'): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  const ta = Date.parse(a.length === 10 ? `${a}T00:00:00` : a);
  const tb = Date.parse(b.length === 10 ? `${b}T00:00:00` : b);
  return (pick === 'later' ? ta >= tb : ta <= tb) ? a : b;
}
