/**
 * Turns what a user typed into keyword-search terms. The text is never query syntax: it is split
 * into words on white space, each stripped of surrounding punctuation and kept whole (so
 * `MCP_INIT_TIMEOUT`, `sqlite-vec` or `10.0.0.5` stay one term, matched as a phrase of their
 * parts); words that carry no meaning on their own (stop words) are left out unless nothing else
 * is left. Backends quote each term for their own syntax.
 */

/** Common English function words and question words: they match almost everything. */
const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by can ' +
    'could did do does doing down during each few for from further had has have having he her here hers herself him himself his how ' +
    'i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out ' +
    'over own same she should so some such than that the their theirs them themselves then there these they this those through to ' +
    'too under until up very was we were what when where which while who whom why will with would you your yours yourself ' +
    'yourselves tell us get got use used using also may might must shall let lets ever ' +
    // Question scaffolding: "how does X work", "what happened with", "a different way to".
    'work works working happen happens happened handle handles way ways thing things kind sort different exactly actually please'
  ).split(' '),
);

/** Most terms a query is searched with; a term's most characters. */
export const MAX_TERMS = 32;
const MAX_TERM_LENGTH = 64;

const HAS_WORD_CHARACTER = /[\p{L}\p{N}]/u;
const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;
const POSSESSIVE = /(?<=[\p{L}\p{N}])['\u2019]s$/u;

export function keywordTerms(query: string): string[] {
  const words = query
    .normalize('NFKC')
    // Control characters (NUL ends an FTS5 string) separate words like white space does.
    .replace(/\p{Cc}/gu, ' ')
    .split(/\s+/u)
    // A possessive is its noun ("Amara's dog" asks about Amara): the full-text index splits "amara's"
    // into "amara" and "s", which a memory that says "Amara: ..." does not have side by side.
    .map((word) => word.replace(EDGE_PUNCTUATION, '').toLowerCase().replace(POSSESSIVE, ''))
    .filter((word) => word !== '' && HAS_WORD_CHARACTER.test(word))
    .map((word) => word.slice(0, MAX_TERM_LENGTH));
  const meaningful = words.filter((word) => !STOP_WORDS.has(word));
  if (meaningful.length === 0) return [...new Set(words)].slice(0, MAX_TERMS);
  // Two meaningful words next to each other in the question also count as a phrase: a memory that
  // has them side by side ("embedding model") outranks one that has them apart.
  const pairs: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const [a, b] = [words[i - 1]!, words[i]!];
    if (!STOP_WORDS.has(a) && !STOP_WORDS.has(b) && a !== b) pairs.push(`${a} ${b}`);
  }
  return [...new Set([...meaningful, ...pairs])].slice(0, MAX_TERMS);
}

/** The distinct words of a text that carry meaning (lower case, stop words left out). */
export function contentWords(text: string): Set<string> {
  const words = text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '' && !STOP_WORDS.has(word));
  return new Set(words);
}

const CAPITALIZED = /^\p{Lu}[\p{L}\p{N}'\u2019-]*$/u;
const SENTENCE_END = /[.!?:;]$/u;

/**
 * The names a question mentions: capitalized words that do not start a sentence ("When did Amara
 * adopt a dog?" names "amara"), lower case, possessive dropped. A name is strong evidence even
 * when a store mentions it often; an ordinary word is not, however rare in one store.
 */
export function queryNames(query: string): string[] {
  const names: string[] = [];
  let sentenceStart = true;
  for (const raw of query.normalize('NFKC').split(/\s+/u)) {
    const word = raw.replace(EDGE_PUNCTUATION, '');
    if (word !== '' && !sentenceStart && CAPITALIZED.test(word)) {
      const name = word.toLowerCase().replace(POSSESSIVE, '');
      if (!STOP_WORDS.has(name)) names.push(name);
    }
    if (word !== '') sentenceStart = SENTENCE_END.test(raw);
  }
  return [...new Set(names)];
}

/** Folds case and diacritics, for telling which terms a memory contains (explanations only). */
function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** A rough English stem: enough to see "resets" in a memory that says "reset", or "Alice's" in one about Alice. */
function stem(word: string): string {
  const base = word.replace(/['\u2019]s$/u, '');
  return base.length > 4 ? base.replace(/(ing|edly|ed|ies|es|s|ly)$/u, '') : base;
}

/** The terms that appear in a memory's content or tags, for `relevance_reason`. */
export function matchedTerms(terms: readonly string[], content: string, tags: readonly string[]): string[] {
  const haystack = fold(`${content} ${tags.join(' ')}`);
  return terms.filter((term) => haystack.includes(stem(fold(term))));
}
