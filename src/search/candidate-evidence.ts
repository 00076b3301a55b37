import type { Memory } from '../storage/memory.js';
import type { TermFrequencies } from '../storage/roles.js';
import type { Candidate } from './fusion.js';
import { englishRarity } from './english-frequency.js';
import { matchedTerms, queryNames } from './keyword-terms.js';

/**
 * What each candidate's words are worth as evidence for the question: the share of the question's
 * identifiers it contains whole, and (given the words' document frequencies) the inverse document
 * frequency of the question's words it matches: as a share of all of them, the rarest one's, and
 * how many of them; and the same for how rare those words are in everyday English (a small store's
 * statistics cannot tell "ship" from "sourdough"). One ordinary word shared with a memory says
 * little; a name or all the words say a lot.
 */
export function addEvidence(candidates: readonly Candidate[], query: string, terms: readonly string[], frequencies: TermFrequencies | null): void {
  const identifiers = terms.filter(isIdentifier);
  if (identifiers.length > 0) {
    for (const c of candidates) c.identifierMatch = identifiers.filter((id) => containsIdentifier(c.memory, id)).length / identifiers.length;
  }
  // The rest weighs words and names: only the learned fusion does (it asks for the frequencies).
  if (frequencies === null) return;
  const names = queryNames(query);
  if (names.length > 0) for (const c of candidates) c.nameMatch = names.filter((name) => containsIdentifier(c.memory, name)).length / names.length;
  // The question's words are the evidence; its adjacent-word phrases only order the keyword leg.
  const words = terms.filter((term) => !term.includes(' '));
  if (words.length === 0) return;
  const weightOf = new Map(words.map((word) => [word, idf(frequencies.matching.get(word) ?? 0, frequencies.memories)]));
  const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);
  const total = sum(weightOf.values());
  // Words no memory has cannot tell candidates apart: the evidence among the words some memory has.
  const foundTotal = sum(words.filter((word) => (frequencies.matching.get(word) ?? 0) > 0).map((word) => weightOf.get(word)!));
  const rarest = idf(0, frequencies.memories);
  const rarity = new Map(words.map((word) => [word, englishRarity(word)]));
  const rarityTotal = sum(rarity.values());
  for (const c of candidates) {
    const matched = c.keywordRank === null ? [] : matchedTerms(words, c.memory.content, c.memory.tags);
    const weights = matched.map((word) => weightOf.get(word)!);
    c.keywordEvidence = total === 0 ? 0 : sum(weights) / total;
    c.foundEvidence = foundTotal === 0 ? 0 : sum(weights) / foundTotal;
    c.rarestMatch = Math.max(0, ...weights) / rarest;
    c.coverage = matched.length / words.length;
    c.englishEvidence = rarityTotal === 0 ? 0 : sum(matched.map((word) => rarity.get(word)!)) / rarityTotal;
    c.englishRarest = Math.max(0, ...matched.map((word) => rarity.get(word)!));
  }
}

/** BM25's inverse document frequency of a term found in `df` of `n` memories: what finding it is worth. */
function idf(df: number, n: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/** A term that names something exactly: it has a digit, or punctuation inside (host, port, code, version, CONSTANT_NAME). */
export function isIdentifier(term: string): boolean {
  return !term.includes(' ') && (/\p{N}/u.test(term) || /[\p{L}\p{N}][._:/@#-][\p{L}\p{N}]/u.test(term) || /_/u.test(term));
}

/** Whether the memory's content or tags hold the term whole (case-insensitive): "8051" is not in "18051". */
function containsIdentifier(memory: Memory, identifier: string): boolean {
  const text = `${memory.content} ${memory.tags.join(' ')}`.toLowerCase();
  let from = 0;
  for (;;) {
    const at = text.indexOf(identifier, from);
    if (at === -1) return false;
    const before = text[at - 1];
    const after = text[at + identifier.length];
    if ((before === undefined || !/[\p{L}\p{N}]/u.test(before)) && (after === undefined || !/[\p{L}\p{N}]/u.test(after))) return true;
    from = at + 1;
  }
}
