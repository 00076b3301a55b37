/** Tags are trimmed, lower-cased and de-duplicated on input; order of first appearance is kept. */
export function normalizeTags(tags: readonly string[] | null | undefined): string[] {
  const seen = new Set<string>();
  for (const tag of tags ?? []) {
    const normalized = tag.trim().toLowerCase();
    if (normalized !== '') seen.add(normalized);
  }
  return [...seen];
}

/** "a, b,c" → ["a", "b", "c"], normalized; used for tag lists passed in query strings. */
export function parseTagList(raw: string | null | undefined): string[] {
  return normalizeTags((raw ?? '').split(','));
}
