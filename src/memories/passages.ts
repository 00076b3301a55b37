import type { PassageSpan, PassageVector } from '../storage/memory.js';
import type { EmbeddingProvider } from '../embeddings/embedding-provider.js';

/**
 * Memories longer than this many characters get passages: a vector per sentence beside the whole
 * text's. With the default model a vector of a long text is close to no vector at all and a
 * sentence inside a window of other text is lost, while a sentence alone is found by a question
 * asked by meaning (bench:passages, docs/benchmarks.md "Passage windows for long memories"). A
 * short note is a few sentences about one thing: its one vector is what search was tuned on, and
 * storing it costs one model call.
 */
export const PASSAGES_FROM = 1_000;
/**
 * Most passages one memory gets: past it, consecutive sentences share a passage (a memory of
 * the largest allowed size would otherwise cost thousands of model calls and index entries).
 */
export const MAX_PASSAGES = 512;

/** Sentences (and lines) of a text as character spans. */
export function sentenceSpans(text: string): PassageSpan[] {
  const spans: PassageSpan[] = [];
  const pattern = /[^.!?\n]+(?:[.!?]+(?=\s|$)|\n|$)/g;
  for (const match of text.matchAll(pattern)) {
    const raw = match[0];
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body !== '') spans.push({ start: match.index + lead, end: match.index + lead + body.length });
  }
  return spans;
}

/** The passages of a memory's content: none for a short one; else its sentences, grouped when there are more than MAX_PASSAGES. */
export function passageSpans(content: string): PassageSpan[] {
  if (content.length <= PASSAGES_FROM) return [];
  const sentences = sentenceSpans(content);
  if (sentences.length < 2) return [];
  const per = Math.ceil(sentences.length / MAX_PASSAGES);
  const passages: PassageSpan[] = [];
  for (let i = 0; i < sentences.length; i += per) {
    passages.push({ start: sentences[i]!.start, end: sentences[Math.min(i + per, sentences.length) - 1]!.end });
  }
  return passages;
}

/** What a memory is stored with: its whole text's vector and its passages' vectors. */
export interface MemoryVectors {
  embedding: Float32Array;
  passages: PassageVector[];
}

/**
 * Embeds each content's passages (and, with `whole`, first its whole text) in one model request;
 * answers each content's vectors in order: [whole?, ...passages].
 */
async function embedParts(
  provider: EmbeddingProvider,
  contents: readonly string[],
  whole: boolean,
): Promise<{ spans: PassageSpan[]; vectors: Float32Array[] }[]> {
  const spans = contents.map(passageSpans);
  const texts = contents.flatMap((content, i) => [...(whole ? [content] : []), ...spans[i]!.map(({ start, end }) => content.slice(start, end))]);
  const vectors = texts.length === 0 ? [] : await provider.embed(texts);
  let at = 0;
  return spans.map((list) => {
    const count = list.length + (whole ? 1 : 0);
    at += count;
    return { spans: list, vectors: vectors.slice(at - count, at) };
  });
}

const withVectors = (spans: readonly PassageSpan[], vectors: readonly Float32Array[]): PassageVector[] =>
  spans.map((span, i) => ({ ...span, vector: vectors[i]! }));

/** The vectors of a memory's content: its whole text's and its passages' (one model request). */
export async function embedMemory(provider: EmbeddingProvider, content: string): Promise<MemoryVectors> {
  return (await embedMemories(provider, [content]))[0]!;
}

/** The vectors of each content, in order (one model request for all of them). */
export async function embedMemories(provider: EmbeddingProvider, contents: readonly string[]): Promise<MemoryVectors[]> {
  return (await embedParts(provider, contents, true)).map(({ spans, vectors }) => ({ embedding: vectors[0]!, passages: withVectors(spans, vectors.slice(1)) }));
}

/** The passages' vectors of each content (for a memory whose whole-text vector is already known). */
export async function embedPassages(provider: EmbeddingProvider, contents: readonly string[]): Promise<PassageVector[][]> {
  return (await embedParts(provider, contents, false)).map(({ spans, vectors }) => withVectors(spans, vectors));
}
