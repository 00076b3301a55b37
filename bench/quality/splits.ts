/** Which half of the own set a question belongs to. */
export type Split = 'tuning' | 'held_out';

/**
 * The own set's two fixed halves: within each category, queries in id order alternate between
 * the tuning half (even positions) and the held-out half (odd ones), so both halves hold every
 * category in the same proportion. A setting may be chosen on the tuning half only; the held-out
 * half is what says whether it helps.
 */
export function splitHalves<Q extends { id: string; category: string }>(queries: readonly Q[]): (Q & { split: Split })[] {
  const position = new Map<string, number>();
  const byCategory = new Map<string, Q[]>();
  for (const query of queries) byCategory.set(query.category, [...(byCategory.get(query.category) ?? []), query]);
  for (const list of byCategory.values()) [...list].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true })).forEach((q, i) => position.set(q.id, i));
  return queries.map((query) => ({ ...query, split: position.get(query.id)! % 2 === 0 ? 'tuning' : 'held_out' }));
}
