/**
 * `npm run bench:sessions`: how a conversation should be stored to be found again (Search II,
 * conversations): as one memory per session (upstream's memory_store_session: "[role] content"
 * lines, split on whole turns past 1,500 characters), one memory per turn, windows of a few
 * turns, or a session and its turns both (this server's POST /api/sessions by default,
 * MCP_SESSION_TURN_MEMORIES).
 *
 * The own set's chat lines (bench/quality/corpus.json, type conversation: personal facts and
 * small talk of a dozen people) are dealt, in a fixed shuffled order, into sessions of
 * SESSION_TURNS turns (default 8; the two facts of a question that needs two turns always in
 * two sessions, as the set describes them). A fresh server holds the set's other memories (notes,
 * incidents, decisions: as stored by `npm run bench:quality`) and the sessions stored one way;
 * every question of the set is asked in the default mode. A result is relevant when its text holds
 * an expected memory's text (chat lines are stored without tags).
 * Printed per way: R@5 and MRR for the questions about chats (conversation, multi_turn) and for
 * every question, on the tuning half and the held-out half (splits.ts), and the characters a
 * client reads in the first five results.
 */
import { seededRandom } from '../random.js';
import { percentile } from '../stats.js';
import { type Corpus, type CorpusMemory, own, request, score, withCorpusServer } from './corpora.js';

const TURNS = Number(process.env.SESSION_TURNS ?? 8);
const CHAT_CATEGORIES = new Set(['conversation', 'multi_turn']);
const LABEL = /^q:/;

interface Way {
  name: string;
  /** The server's configuration for it. */
  env?: Record<string, string>;
  store(api: string, sessions: readonly CorpusMemory[][]): Promise<void>;
}

const line = (memory: CorpusMemory): string => `[user] ${memory.content}`;

async function storeSessions(api: string, sessions: readonly CorpusMemory[][]): Promise<void> {
  for (const session of sessions) await request(`${api}/sessions`, { turns: session.map((m) => ({ role: 'user', content: m.content })) });
}

/** Windows of `size` turns, the next starting `step` turns on (the last may be shorter). */
const windows =
  (size: number, step: number) =>
  async (api: string, sessions: readonly CorpusMemory[][]): Promise<void> => {
    for (const session of sessions)
      for (let i = 0; i < session.length; i += step) {
        const part = session.slice(i, i + size);
        await request(`${api}/memories`, { content: part.map(line).join('\n'), memory_type: 'session' });
        if (i + size >= session.length) break;
      }
  };

const WAYS: Way[] = [
  { name: 'session (upstream)', env: { MCP_SESSION_TURN_MEMORIES: 'false' }, store: storeSessions },
  { name: 'turn', store: windows(1, 1) },
  { name: 'windows of 3 turns, step 2', store: windows(3, 2) },
  { name: 'session and its turns (the default)', store: storeSessions },
];

/** The chat lines dealt into sessions of TURNS, in a fixed shuffled order; a two-turn question's lines never share one. */
function sessionsOf(chat: CorpusMemory[], pairs: readonly string[][]): CorpusMemory[][] {
  const random = seededRandom(11);
  const order = chat.map((memory) => ({ memory, key: random() })).sort((a, b) => a.key - b.key);
  const sessions: CorpusMemory[][] = [];
  for (let i = 0; i < order.length; i += TURNS) sessions.push(order.slice(i, i + TURNS).map((o) => o.memory));
  const sessionOf = (tag: string): number => sessions.findIndex((s) => s.some((m) => m.tags.includes(tag)));
  for (const [first, second] of pairs) {
    const at = sessionOf(first!);
    if (at === -1 || at !== sessionOf(second!)) continue;
    // Swap the second line with the first line of the next session (the last one's with the first session's).
    const other = sessions[(at + 1) % sessions.length]!;
    const mine = sessions[at]!;
    const j = mine.findIndex((m) => m.tags.includes(second!));
    [mine[j], other[0]] = [other[0]!, mine[j]!];
  }
  return sessions;
}

interface Sums {
  recall5: number;
  rr: number;
  n: number;
}

async function measure(
  way: Way,
  corpus: Corpus,
  sessions: CorpusMemory[][],
  answers: ReadonlyMap<string, string>,
): Promise<Record<string, Sums> & { chars: number[] }> {
  return withCorpusServer(
    corpus,
    async (server) => {
      const api = `${server.url}/api`;
      await way.store(api, sessions);
      const sums: Record<string, Sums> = {};
      const chars: number[] = [];
      for (const query of corpus.queries) {
        if (query.expected_tags.length === 0) continue;
        const answer = await request(`${api}/search`, { query: query.question, n_results: 10 });
        const results = answer.results as { memory: { content: string } }[];
        // Relevant: a result holding an expected memory's text (a note, a turn, a window, a session).
        const s = score(
          results.map((r) => query.expected_tags.filter((label) => r.memory.content.includes(answers.get(label)!))),
          query.expected_tags,
        );
        chars.push(results.slice(0, 5).reduce((sum, r) => sum + r.memory.content.length, 0));
        const groups = ['overall', ...(CHAT_CATEGORIES.has(query.category) ? ['chat'] : [])];
        for (const key of groups.flatMap((g) => [`all/${g}`, `${query.split}/${g}`])) {
          const sum = (sums[key] ??= { recall5: 0, rr: 0, n: 0 });
          sum.recall5 += s.recall5;
          sum.rr += s.rr;
          sum.n += 1;
        }
      }
      return Object.assign(sums, { chars });
    },
    way.env,
  );
}

async function main(): Promise<void> {
  const set = own();
  const answers = new Map(set.memories.flatMap((m) => m.tags.filter((t) => LABEL.test(t)).map((label) => [label, m.content] as const)));
  const chat = set.memories.filter((m) => m.memory_type === 'conversation');
  const corpus: Corpus = { ...set, name: 'own set without its chat lines', memories: set.memories.filter((m) => m.memory_type !== 'conversation') };
  const pairs = set.queries.filter((q) => q.category === 'multi_turn' && q.expected_tags.length === 2).map((q) => q.expected_tags);
  const sessions = sessionsOf(chat, pairs);
  console.log(
    `${chat.length} chat lines in ${sessions.length} sessions of ${TURNS} turns, beside ${corpus.memories.length} other memories; ` +
      `${set.queries.filter((q) => CHAT_CATEGORIES.has(q.category)).length} questions about chats, default (hybrid) search`,
  );
  const pct = (s: Sums | undefined): string => (s === undefined ? '—' : `${((s.recall5 / s.n) * 100).toFixed(1)}% / ${(s.rr / s.n).toFixed(3)}`);
  const header = ['way', 'chats, tuning', 'chats, held out', 'every question, tuning', 'every question, held out', 'chars in top 5 (p50)'];
  console.log(`R@5 / MRR\n${header.join(' | ')}`);
  for (const way of WAYS) {
    const f = await measure(way, corpus, sessions, answers);
    console.log(
      [way.name, pct(f['tuning/chat']), pct(f['held_out/chat']), pct(f['tuning/overall']), pct(f['held_out/overall']), String(percentile(f.chars, 50))].join(
        ' | ',
      ),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
