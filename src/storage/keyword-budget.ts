/** How a keyword search keeps its cost bounded on both backends (docs/search.md, "What a keyword search costs"). */

/**
 * Matches a keyword search ranks at most (the rarer terms' together): a full-text index scores
 * every match of every term before it keeps the best, so the commoner terms only score the
 * candidates the rarer ones find (MCP_MEMORY_KEYWORD_BUDGET).
 */
export const POSTINGS_BUDGET = 10_000;
/** Candidates ranked by the rarer terms per result wanted, to which the common terms' part is added. */
export const CANDIDATES_PER_RESULT = 4;

/**
 * The rarest terms whose matches fit the budget are ranked by the index, and commoner ones too
 * until their matches are `wanted` (so there are enough candidates); the rest are common. All
 * terms are ranked by the index when their matches fit the budget together.
 */
export function splitByCost(
  terms: readonly string[],
  matching: ReadonlyMap<string, number>,
  budget: number,
  wanted: number,
): { ranked: string[]; common: string[] } {
  const byCount = [...terms].sort((a, b) => matching.get(a)! - matching.get(b)!);
  const ranked: string[] = [];
  const common: string[] = [];
  let postings = 0;
  for (const term of byCount) {
    const n = matching.get(term)!;
    if (postings < wanted || postings + n <= budget) {
      ranked.push(term);
      postings += n;
    } else common.push(term);
  }
  return { ranked, common };
}
