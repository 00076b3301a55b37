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
export function addEvidence(candidates: Iterable<Candidate>, query: string, terms: readonly string[], frequencies: TermFrequencies | null): void {
  const identifiers = terms.filter(isIdentifier);
  const names = queryNames(query);
  // The question's words are the evidence; its adjacent-word phrases only order the keyword leg.
  const words = terms.filter((term) => !term.includes(' '));
  const weightOf = frequencies === null ? null : termWeights(words, frequencies);
  const total = weightOf === null ? 0 : [...weightOf.values()].reduce((sum, w) => sum + w, 0);
  // Words no memory has cannot tell candidates apart: the evidence among the words some memory has.
  const foundTotal = weightOf === null ? 0 : words.filter((w) => (frequencies!.matching.get(w) ?? 0) > 0).reduce((sum, w) => sum + weightOf.get(w)!, 0);
  const rarest = frequencies === null ? 0 : idf(0, frequencies.memories);
  const rarity = new Map(words.map((word) => [word, englishRarity(word)]));
  const rarityTotal = [...rarity.values()].reduce((sum, r) => sum + r, 0);
  for (const c of candidates) {
    if (identifiers.length > 0) c.identifierMatch = identifiers.filter((id) => containsIdentifier(c.memory, id)).length / identifiers.length;
    if (names.length > 0) c.nameMatch = names.filter((name) => containsIdentifier(c.memory, name)).length / names.length;
    if (words.length === 0) continue;
    const matched = c.keywordRank === null ? [] : matchedTerms(words, c.memory.content, c.memory.tags);
    c.englishEvidence = rarityTotal === 0 ? 0 : matched.reduce((sum, term) => sum + rarity.get(term)!, 0) / rarityTotal;
    c.englishRarest = Math.max(0, ...matched.map((term) => rarity.get(term)!));
    if (weightOf === null || total === 0) continue;
    const weights = matched.map((term) => weightOf.get(term)!);
    const matchedWeight = weights.reduce((sum, w) => sum + w, 0);
    c.keywordEvidence = matchedWeight / total;
    c.foundEvidence = foundTotal === 0 ? 0 : matchedWeight / foundTotal;
    c.rarestMatch = weights.length === 0 ? 0 : Math.max(...weights) / rarest;
    c.coverage = matched.length / words.length;
  }
}

/** BM25's inverse document frequency of a term found in `df` of `n` memories: what finding it is worth. */
function idf(df: number, n: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

function termWeights(terms: readonly string[], frequencies: TermFrequencies): Map<string, number> {
  return new Map(terms.map((term) => [term, idf(frequencies.matching.get(term) ?? 0, frequencies.memories)]));
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
