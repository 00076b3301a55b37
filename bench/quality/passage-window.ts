/**
 * `npm run bench:passages`: how long memories should be cut for search by meaning (Search II,
 * passages). A memory's whole-text vector is of its first MAX_EMBEDDED_CHARS characters; a fact
 * further in is not seen, and a fact inside a long text is diluted by the text around it. This
 * chose the server's passages (src/memories/passages.ts: one sentence each).
 *
 * Long documents are made of the own corpus's notes (bench/quality/corpus.json), in a fixed
 * shuffled order, joined as paragraphs: 50 documents of 20 notes (about 1.8 KB each) and 5 of 200
 * (about 18 KB). Each question asked by meaning (categories paraphrase, no_overlap, ordinary_word,
 * conversation, multi_turn) expects the document holding its note. Every way of cutting a
 * document gives a set of vectors; a document's score is its best passage's cosine with the
 * question. Printed per way: the right document's recall at 1 and 5 and MRR among the documents,
 * and how often the best passage of the right document holds the answer, on the tuning half and
 * the held-out half of the questions (splits.ts): a window is chosen on the tuning half only.
 * Embeds with the server's own model runner (use-lite); no server, no database.
 */
import { MAX_EMBEDDED_CHARS } from '../../src/embeddings/runners/embedding-runner.js';
import { WorkerEmbeddingProvider } from '../../src/embeddings/worker-embedding.provider.js';
import { sentenceSpans } from '../../src/memories/passages.js';
import type { PassageSpan as Span } from '../../src/storage/memory.js';
import { type CorpusQuery, own } from './corpora.js';

/** Questions whose words need not be in the note: what passages are for. */
const BY_MEANING = new Set(['paraphrase', 'no_overlap', 'ordinary_word', 'conversation', 'multi_turn']);

interface Way {
  name: string;
  cut(text: string, sentences: readonly Span[]): Span[];
}

/** Windows of `size` sentences, moving by `step`. */
const sentenceWindows =
  (size: number, step: number): Way['cut'] =>
  (_text, sentences) => {
    const windows: Span[] = [];
    for (let i = 0; i < sentences.length; i += step) {
      const last = sentences[Math.min(i + size, sentences.length) - 1]!;
      windows.push({ start: sentences[i]!.start, end: last.end });
      if (i + size >= sentences.length) break;
    }
    return windows;
  };

/** Windows of at most `chars` characters of whole sentences, the next starting `overlap` sentences back. */
const charWindows =
  (chars: number, overlapSentences: number): Way['cut'] =>
  (_text, sentences) => {
    const windows: Span[] = [];
    let i = 0;
    while (i < sentences.length) {
      let j = i;
      while (j + 1 < sentences.length && sentences[j + 1]!.end - sentences[i]!.start <= chars) j++;
      windows.push({ start: sentences[i]!.start, end: sentences[j]!.end });
      if (j + 1 >= sentences.length) break;
      i = Math.max(i + 1, j + 1 - overlapSentences);
    }
    return windows;
  };

const WAYS: Way[] = [
  { name: `whole (first ${MAX_EMBEDDED_CHARS} chars, today)`, cut: (text) => [{ start: 0, end: Math.min(text.length, MAX_EMBEDDED_CHARS) }] },
  { name: '1 sentence', cut: sentenceWindows(1, 1) },
  { name: '2 sentences, step 1', cut: sentenceWindows(2, 1) },
  { name: '3 sentences, step 2', cut: sentenceWindows(3, 2) },
  { name: '5 sentences, step 4', cut: sentenceWindows(5, 4) },
  { name: '300 chars, 1 sentence overlap', cut: charWindows(300, 1) },
  { name: '600 chars, 1 sentence overlap', cut: charWindows(600, 1) },
  { name: '1000 chars, 1 sentence overlap', cut: charWindows(1000, 1) },
];

/** A fixed shuffle (the same documents every run). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let seed = 20_261_207;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface Doc {
  text: string;
  /** Where each note sits, by its q: tag. */
  notes: { tags: string[]; start: number; end: number }[];
}

function documents(notes: readonly { content: string; tags: string[] }[], perDoc: number): Doc[] {
  const docs: Doc[] = [];
  for (let i = 0; i < notes.length; i += perDoc) {
    let text = '';
    const placed: Doc['notes'] = [];
    for (const note of notes.slice(i, i + perDoc)) {
      const body = /[.!?]$/.test(note.content.trim()) ? note.content.trim() : `${note.content.trim()}.`;
      if (text !== '') text += '\n\n';
      placed.push({ tags: note.tags, start: text.length, end: text.length + body.length });
      text += body;
    }
    docs.push({ text, notes: placed });
  }
  return docs;
}

const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

interface Scores {
  recall1: number;
  recall5: number;
  mrr: number;
  /** The right document's best passage holds (overlaps) the answer note. */
  passageHit: number;
  /** Where the answers sat: the share past the first MAX_EMBEDDED_CHARS characters. */
  count: number;
}

async function main(): Promise<void> {
  const corpus = own();
  const embedder = await WorkerEmbeddingProvider.start('use-lite', null);
  const questions = corpus.queries.filter((q) => BY_MEANING.has(q.category));
  const questionVectors = await embedder.embed(questions.map((q) => q.question));
  const notes = shuffled(corpus.memories);
  console.log(`# Passage windows: ${questions.length} questions asked by meaning (own set), use-lite, ${new Date().toISOString().slice(0, 10)}`);
  for (const perDoc of [20, 200]) {
    const docs = documents(notes, perDoc);
    const meanLength = Math.round(docs.reduce((sum, d) => sum + d.text.length, 0) / docs.length);
    console.log(`\n## ${docs.length} documents of ${perDoc} notes (mean ${meanLength} characters)\n`);
    console.log('| way | vectors | tuning R@1 / R@5 / MRR / passage | held-out R@1 / R@5 / MRR / passage | held-out, answer past char 4096: R@1 (n) |');
    console.log('|---|---|---|---|---|');
    for (const way of WAYS) {
      const passages = docs.map((doc) => way.cut(doc.text, sentenceSpans(doc.text)));
      const flat = passages.flatMap((spans, d) => spans.map((span) => ({ d, span, text: docs[d]!.text.slice(span.start, span.end) })));
      const vectors: Float32Array[] = [];
      for (let i = 0; i < flat.length; i += 64) vectors.push(...(await embedder.embed(flat.slice(i, i + 64).map((p) => p.text))));
      const tally = { tuning: blank(), held_out: blank(), deep: blank() };
      for (const [qi, question] of questions.entries()) {
        const target = targetOf(question, docs);
        if (target === null) continue;
        const best = new Array<{ score: number; span: Span | null }>(docs.length).fill({ score: -2, span: null });
        for (const [pi, passage] of flat.entries()) {
          const score = cosine(questionVectors[qi]!, vectors[pi]!);
          if (score > best[passage.d]!.score) best[passage.d] = { score, span: passage.span };
        }
        const rank = 1 + best.filter((b, d) => d !== target.doc && b.score > best[target.doc]!.score).length;
        const span = best[target.doc]!.span!;
        const hit = span.start < target.end && target.start < span.end;
        for (const key of [question.split!, ...(question.split === 'held_out' && target.start >= MAX_EMBEDDED_CHARS ? ['deep' as const] : [])]) {
          const t = tally[key];
          t.count += 1;
          t.recall1 += rank === 1 ? 1 : 0;
          t.recall5 += rank <= 5 ? 1 : 0;
          t.mrr += 1 / rank;
          t.passageHit += hit ? 1 : 0;
        }
      }
      const cell = (t: Scores): string =>
        `${pct(t.recall1, t.count)} / ${pct(t.recall5, t.count)} / ${(t.mrr / Math.max(1, t.count)).toFixed(3)} / ${pct(t.passageHit, t.count)}`;
      console.log(
        `| ${way.name} | ${vectors.length} | ${cell(tally.tuning)} | ${cell(tally.held_out)} | ${tally.deep.count === 0 ? '—' : `${pct(tally.deep.recall1, tally.deep.count)} (${tally.deep.count})`} |`,
      );
    }
  }
  await embedder.close();
}

const blank = (): Scores => ({ recall1: 0, recall5: 0, mrr: 0, passageHit: 0, count: 0 });
const pct = (n: number, of: number): string => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;

/** The document and span holding a question's note (its first expected tag). */
function targetOf(question: CorpusQuery, docs: readonly Doc[]): { doc: number; start: number; end: number } | null {
  for (const [doc, { notes }] of docs.entries()) {
    const note = notes.find((n) => question.expected_tags.some((tag) => n.tags.includes(tag)));
    if (note) return { doc, start: note.start, end: note.end };
  }
  return null;
}

await main();
process.exit(0);
