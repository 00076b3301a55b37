import Database from 'better-sqlite3';
import { setImmediate } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';

/** How the keyword index splits and folds text: Porter stems over Unicode words, diacritics folded. */
export const KEYWORD_TOKENIZER = 'porter unicode61 remove_diacritics 2';

/** BM25's constants as FTS5's bm25() has them. */
const K1 = 1.2;
const B = 0.75;
/** The index's column weights (content, tags), as every keyword search passes them to bm25(). */
export const COLUMN_WEIGHTS = [1.0, 0.5] as const;

/** A term's inverse document frequency as FTS5's bm25() computes it (never below a millionth). */
export function fts5Idf(matching: number, rows: number): number {
  const idf = Math.log((rows - matching + 0.5) / (matching + 0.5));
  return idf <= 0 ? 1e-6 : idf;
}

/** One phrase's part of a row's BM25 score, as FTS5's bm25() adds it: `frequency` weighted by column, `tokens` the row's length. */
export function bm25Part(idf: number, frequency: number, tokens: number, averageTokens: number): number {
  if (frequency === 0) return 0;
  return (idf * frequency * (K1 + 1)) / (frequency + K1 * (1 - B + (B * tokens) / averageTokens));
}

/** How often `phrase` (consecutive tokens) occurs in `tokens`. */
export function phraseCount(tokens: readonly string[], phrase: readonly string[]): number {
  if (phrase.length === 0) return 0;
  let count = 0;
  outer: for (let i = 0; i + phrase.length <= tokens.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (tokens[i + j] !== phrase[j]) continue outer;
    count++;
  }
  return count;
}

/** The numbers of an FTS5 record (SQLite varints: seven bits a byte, high bit set on all but the last). */
export function varints(blob: Uint8Array): number[] {
  const out: number[] = [];
  let value = 0;
  for (const byte of blob) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      out.push(value);
      value = 0;
    }
  }
  return out;
}

/** Only ASCII (no code point past U+007F). */
const ASCII = /^\p{ASCII}*$/u;
/** Characters tokenized in one event-loop turn (a few milliseconds at most, new words included). */
const SLICE_CHARS = 4_096;
const WHITE_SPACE = /\s/u;

/** The index of the first white-space character at or after `from` (the text's length if none). */
function whiteSpaceAfter(text: string, from: number): number {
  let i = from;
  while (i < text.length && !WHITE_SPACE.test(text[i]!)) i++;
  return i;
}

const ASCII_SEPARATORS = /[^a-z0-9]+/u;
const UNSTEMMED = /^(?:[0-9]+|.{1,2})$/u;

/**
 * Splits text into the keyword index's tokens, exactly as the index does: FTS5's own tokenizer
 * (same options) in a private in-memory database, so a row's terms can be counted outside the
 * index. Words are remembered (each is tokenized once); in ASCII text only the words Porter can
 * change go to the tokenizer (the rest are split and lower-cased as unicode61 does).
 */
export class Fts5Tokenizer {
  private readonly db = new Database(':memory:');
  private readonly insert;
  private readonly read;
  private readonly clear;
  private readonly known = new LRUCache<string, readonly string[]>({ max: 100_000 });

  constructor() {
    this.db.exec(`CREATE VIRTUAL TABLE words USING fts5(word, tokenize='${KEYWORD_TOKENIZER}');
                  CREATE VIRTUAL TABLE word_tokens USING fts5vocab(words, instance);`);
    this.insert = this.db.prepare('INSERT INTO words (rowid, word) VALUES (?, ?)');
    this.read = this.db.prepare('SELECT doc, term, offset FROM word_tokens');
    this.clear = this.db.prepare('DELETE FROM words');
  }

  /**
   * The tokens of a text of any length, split at white space into slices tokenized one event-loop
   * turn at a time (a memory may hold a megabyte: tokenized at once, that blocked the server for
   * hundreds of milliseconds). Tokens never span white space, so the slices' tokens are the text's.
   */
  async tokensOf(text: string): Promise<string[]> {
    if (text.length <= SLICE_CHARS) return this.tokens(text);
    const tokens: string[] = [];
    for (let start = 0; start < text.length;) {
      const cut = start + SLICE_CHARS >= text.length ? text.length : whiteSpaceAfter(text, start + SLICE_CHARS);
      for (const token of this.tokens(text.slice(start, cut))) tokens.push(token);
      start = cut;
      if (start < text.length) await setImmediate();
    }
    return tokens;
  }

  tokens(text: string): string[] {
    if (ASCII.test(text)) {
      const words = text
        .toLowerCase()
        .split(ASCII_SEPARATORS)
        .filter((word) => word !== '');
      const stems = this.tokenized(words.filter((word) => !UNSTEMMED.test(word)));
      return words.flatMap((word) => (UNSTEMMED.test(word) ? [word] : stems.get(word)!));
    }
    const chunks = text.split(/\s+/u).filter((chunk) => chunk !== '');
    const tokens = this.tokenized(chunks);
    return chunks.flatMap((chunk) => tokens.get(chunk)!);
  }

  /** Each piece's tokens: remembered ones, the rest tokenized together in one transaction. */
  private tokenized(pieces: readonly string[]): Map<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    const missing: string[] = [];
    for (const piece of pieces) {
      if (out.has(piece)) continue;
      const known = this.known.get(piece);
      if (known === undefined) missing.push(piece);
      out.set(piece, known ?? []);
    }
    if (missing.length === 0) return out;
    const found = missing.map((): string[] => []);
    this.db.transaction(() => {
      this.clear.run();
      missing.forEach((piece, i) => this.insert.run(i + 1, piece));
      for (const { doc, term, offset } of this.read.all() as { doc: number; term: string; offset: number }[]) found[doc - 1]![offset] = term;
    })();
    missing.forEach((piece, i) => {
      out.set(piece, found[i]!);
      this.known.set(piece, found[i]!);
    });
    return out;
  }

  close(): void {
    this.db.close();
  }
}
