import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_BACKENDS } from './helpers/postgres.js';
import { ApiClient } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const CORPUS = [
  { content: 'The production database is backed up every night at 2am to the S3 bucket', tags: ['ops', 'backup'] },
  { content: 'Alice prefers dark mode and large fonts in the editor', tags: ['preferences'] },
  { content: 'Our quarterly sales grew by twelve percent compared with last year', tags: ['finance'] },
  { content: 'To deploy the web app, run the release pipeline and approve the staging step', tags: ['ops', 'deploy'] },
  { content: 'The office coffee machine is broken; use the one on the third floor', tags: ['office'] },
  { content: 'Bob is allergic to peanuts, so avoid them when ordering team lunch', tags: ['people', 'food'] },
  { content: 'The API rate limit is 100 requests per minute per key', tags: ['api'] },
  { content: 'Python 3.12 is the minimum supported version for the data pipeline', tags: ['python'] },
];

const PARAPHRASES: [string, number][] = [
  ['nightly backup schedule of the database', 0],
  ['which colour theme does Alice like?', 1],
  ['how much did revenue increase this quarter', 2],
  ['what are the steps to ship a new release of the website', 3],
  ['who has a nut allergy?', 5],
  ['how many calls can a client make to the API each minute', 6],
];

for (const backend of TEST_BACKENDS)
  describe(`search API on ${backend} (real model, real HTTP)`, () => {
    let server: TestServer;
    let api: ApiClient;
    const hashes: string[] = [];

    before(async () => {
      server = await startTestServer({ backend, env: { MCP_API_KEY: 'search-key' } });
      api = new ApiClient(server.url, 'search-key');
      for (const item of CORPUS) hashes.push((await api.post('/api/memories', item)).body.content_hash);
    });

    after(async () => {
      await server.cleanup();
    });

    for (const [query, expected] of PARAPHRASES) {
      it(`finds the right memory first for the paraphrase "${query}"`, async () => {
        const res = await api.post('/api/search', { query, n_results: 3, mode: 'semantic' });
        assert.equal(res.status, 200);
        assert.equal(res.body.search_type, 'semantic');
        assert.equal(res.body.query, query);
        assert.equal(
          res.body.results[0].memory.content_hash,
          hashes[expected],
          JSON.stringify(res.body.results.map((r: { memory: { content: string } }) => r.memory.content)),
        );
      });
    }

    it('returns scores in 0..1, best first, with n_results and total_found', async () => {
      const res = await api.post('/api/search', {
        query: 'backups of the database',
        n_results: 5,
        similarity_threshold: null,
        time_filter: null,
        mode: 'semantic',
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.results.length, 5);
      assert.equal(res.body.total_found, 5);
      assert.equal(typeof res.body.processing_time_ms, 'number');
      const scores: number[] = res.body.results.map((r: { similarity_score: number }) => r.similarity_score);
      for (const s of scores) assert.ok(s >= 0 && s <= 1);
      for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1]! >= scores[i]!);
      assert.match(res.body.results[0].relevance_reason, /^semantic 0\.\d\d$/);
    });

    it('drops results under similarity_threshold', async () => {
      const all = await api.post('/api/search', { query: 'when is the production database backed up?', n_results: 8, mode: 'semantic' });
      const top = all.body.results[0].similarity_score as number;
      const res = await api.post('/api/search', { query: 'when is the production database backed up?', n_results: 8, similarity_threshold: top - 0.0001 });
      assert.equal(res.body.results.length, 1);
      assert.equal(res.body.results[0].memory.content_hash, hashes[0]);
    });

    it('restricts semantic search to tags', async () => {
      const res = await api.post('/api/search', { query: 'database backups', tags: ['Deploy'] });
      assert.deepEqual(
        res.body.results.map((r: { memory: { content_hash: string } }) => r.memory.content_hash),
        [hashes[3]],
      );
    });

    it('with fallback, a search that finds too few adds exact matches, then memories tagged with its words, and says how each was found', async () => {
      // "food" is in no memory's text, but it is a tag; "coffee machine" is in one text.
      const tagged = await api.post('/api/search', { query: 'food', mode: 'exact', fallback: true });
      assert.equal(tagged.status, 200);
      assert.equal(tagged.body.fallback_used, true);
      assert.deepEqual(
        tagged.body.results.map((r: any) => [r.memory.content_hash, r.match_method, r.relevance_reason]),
        [[hashes[5], 'tag_fallback', 'tag match']],
      );
      const exact = await api.post('/api/search', { query: 'coffee machine', mode: 'keyword', fallback: true, n_results: 2, tags: ['office', 'ops'] });
      assert.equal(exact.body.fallback_used, true);
      assert.equal(exact.body.results[0].memory.content_hash, hashes[4]);
      assert.ok(exact.body.results.length <= 2);
      assert.ok(exact.body.results.every((r: any) => r.memory.tags.some((t: string) => ['office', 'ops'].includes(t)) || r.match_method === 'tag_fallback'));
      // Enough results: no fallback, and the field only appears when asked for.
      const enough = await api.post('/api/search', { query: 'database backup', fallback: true });
      assert.equal(enough.body.fallback_used, false);
      assert.ok(enough.body.results.every((r: any) => r.match_method === undefined));
      assert.equal((await api.post('/api/search', { query: 'food', mode: 'exact' })).body.fallback_used, undefined);
      assert.equal((await api.post('/api/search', { query: 'food', fallback: 'yes' })).status, 400);
    });

    it('serves GET /api/search?q= with relevance_score', async () => {
      const res = await api.get(`/api/search?q=${encodeURIComponent('who has a nut allergy?')}&n_results=2&mode=semantic`);
      assert.equal(res.status, 200);
      assert.equal(res.body.results.length, 2);
      assert.equal(res.body.results[0].memory.content_hash, hashes[5]);
      assert.equal(res.body.results[0].relevance_score, res.body.results[0].similarity_score);
      const hybrid = await api.get(`/api/search?q=${encodeURIComponent('peanuts allergy')}&tags=people&tags=food`);
      assert.equal(hybrid.body.search_type, 'hybrid');
      assert.equal(hybrid.body.results[0].memory.content_hash, hashes[5]);
      assert.equal(hybrid.body.results[0].relevance_score, hybrid.body.results[0].fused_score);
    });

    it('searches by tag with any and all matching', async () => {
      const any = await api.post('/api/search/by-tag', { tags: ['backup', 'deploy'] });
      assert.equal(any.status, 200);
      assert.equal(any.body.search_type, 'tag');
      assert.deepEqual(new Set(any.body.results.map((r: { memory: { content_hash: string } }) => r.memory.content_hash)), new Set([hashes[0], hashes[3]]));
      const all = await api.post('/api/search/by-tag', { tags: ['ops', 'deploy'], match_all: true });
      assert.deepEqual(
        all.body.results.map((r: { memory: { content_hash: string } }) => r.memory.content_hash),
        [hashes[3]],
      );
      const commaString = await api.post('/api/search/by-tag', { tags: 'ops,backup', match_all: true });
      assert.deepEqual(
        commaString.body.results.map((r: { memory: { content_hash: string } }) => r.memory.content_hash),
        [hashes[0]],
      );
      const none = await api.post('/api/search/by-tag', { tags: ['no-such-tag'] });
      assert.deepEqual(none.body.results, []);
    });

    it('recalls by natural-language time, optionally ranked by meaning', async () => {
      const today = await api.post('/api/search/by-time', { query: 'today', n_results: 100 });
      assert.equal(today.status, 200);
      assert.equal(today.body.search_type, 'time');
      assert.equal(today.body.results.length, CORPUS.length);
      const ranked = await api.post('/api/search/by-time', { query: 'last 2 hours', semantic_query: 'coffee', n_results: 1 });
      assert.equal(ranked.body.results[0].memory.content_hash, hashes[4]);
      assert.match(ranked.body.results[0].relevance_reason, /keywords: coffee/, 'time recall ranks by the hybrid search');
      const yesterday = await api.post('/api/search/by-time', { query: 'yesterday' });
      assert.deepEqual(yesterday.body.results, []);
      const filtered = await api.post('/api/search', { query: 'coffee', time_filter: 'last week' });
      assert.deepEqual(filtered.body.results, []);
      // As upstream's Claude Code hooks send them: hyphenated, and at the end of a longer text (its other words rank).
      assert.equal((await api.post('/api/search/by-time', { query: 'last-2-weeks', n_results: 100 })).body.results.length, CORPUS.length);
      const inText = await api.post('/api/search/by-time', { query: 'coffee last-2-days', n_results: 1 });
      assert.equal(inText.status, 200);
      assert.equal(inText.body.results[0].memory.content_hash, hashes[4]);
      assert.equal((await api.post('/api/search', { query: 'coffee', time_filter: 'notes from last-week' })).status, 200);
    });

    it('rejects an unparseable time phrase with 400 naming it', async () => {
      const res = await api.post('/api/search/by-time', { query: 'when pigs fly' });
      assert.equal(res.status, 400);
      assert.equal(res.body.errors[0].field, 'query');
      assert.match(res.body.detail, /when pigs fly/);
      const filter = await api.post('/api/search', { query: 'x', time_filter: 'blorp' });
      assert.equal(filter.status, 400);
      assert.equal(filter.body.errors[0].field, 'time_filter');
    });

    it('finds memories similar to a stored one, excluding itself', async () => {
      const res = await api.get(`/api/search/similar/${hashes[0]}?n_results=3`);
      assert.equal(res.status, 200);
      assert.equal(res.body.results.length, 3);
      assert.ok(!res.body.results.some((r: { memory: { content_hash: string } }) => r.memory.content_hash === hashes[0]));
      assert.equal((await api.get(`/api/search/similar/${'2'.repeat(64)}`)).status, 404);
    });

    it('hybrid is the default: the README example ranks the memory that shares the word first', async () => {
      const staging = await api.post('/api/memories', { content: 'The staging database is rebuilt every Monday at 6am', tags: ['ops', 'staging'] });
      await api.post('/api/memories', { content: 'The release train leaves every second Thursday; cut the branch by Wednesday noon', tags: ['release'] });
      const res = await api.post('/api/search', { query: 'when is staging reset?', n_results: 5 });
      assert.equal(res.status, 200);
      assert.equal(res.body.search_type, 'hybrid');
      const first = res.body.results[0];
      assert.equal(first.memory.content_hash, staging.body.content_hash);
      assert.match(first.relevance_reason, /^semantic 0\.\d\d; keywords: staging$/);
      assert.ok(first.keyword_score > 0 && first.keyword_score <= 1);
      assert.ok(first.fused_score > 0);
      assert.ok(first.similarity_score > 0 && first.similarity_score <= 1, 'similarity_score stays the cosine');
      for (const r of res.body.results) assert.ok(typeof r.fused_score === 'number');
    });

    it('the default search keeps the answer found by meaning first when another note shares one ordinary word with the question', async () => {
      // [answer, a note sharing one ordinary word with the question, the question]
      const probes = [
        [
          'The office wifi password is rotated every Monday by the IT desk',
          'The network team ordered new switches for the lab',
          'when does the wireless network passphrase change?',
        ],
        ['Invoices from suppliers are paid within forty-five days', 'Mateo saved money for a new camera', 'How long do vendors wait for their money?'],
        [
          'Meeting rooms can be reserved up to two weeks ahead in the calendar',
          'The storage space in the basement is full again',
          'How far in advance can I book a space for a discussion?',
        ],
        [
          'Passwords must be at least sixteen characters long',
          'Umar waited in the login queue of a concert ticket site for an hour',
          'What is the minimum length of a login secret?',
        ],
      ] as const;
      for (const [answer, distractor] of probes)
        for (const content of [answer, distractor]) await api.post('/api/memories', { content, tags: ['ordinary-word'] });
      for (const [answer, , query] of probes) {
        const hybrid = await api.post('/api/search', { query, n_results: 3 });
        assert.equal(hybrid.body.search_type, 'hybrid');
        const order = hybrid.body.results.map((r: { memory: { content: string } }) => r.memory.content);
        assert.equal(order[0], answer, `${query}: ${JSON.stringify(order)}`);
        const semantic = await api.post('/api/search', { query, n_results: 1, mode: 'semantic' });
        assert.equal(semantic.body.results[0].memory.content, answer, 'meaning alone ranks the answer first too');
      }
    });

    it('keyword mode finds exact identifiers without the model; similarity_score is 0 there', async () => {
      const code = await api.post('/api/memories', { content: 'Error ERR-4012 from billing-api means the card issuer timed out', tags: ['billing'] });
      await api.post('/api/memories', { content: 'Error ERR-4013 from billing-api means the card was declined', tags: ['billing'] });
      const res = await api.post('/api/search', { query: 'ERR-4012', mode: 'keyword', n_results: 3 });
      assert.equal(res.body.search_type, 'keyword');
      assert.equal(res.body.results[0].memory.content_hash, code.body.content_hash);
      assert.equal(res.body.results[0].similarity_score, 0);
      assert.equal(res.body.results[0].keyword_score, 1);
      assert.equal(res.body.results[0].fused_score, null);
      assert.match(res.body.results[0].relevance_reason, /^keywords: err-4012/);
      const hybrid = await api.post('/api/search', { query: 'what does ERR-4012 mean?', n_results: 2 });
      assert.equal(hybrid.body.results[0].memory.content_hash, code.body.content_hash, 'the identifier decides the hybrid ranking too');
      const semanticOnly = await api.post('/api/search', { query: 'ERR-4012', mode: 'semantic', n_results: 10 });
      assert.equal(semanticOnly.body.results[0].keyword_score, null);
    });

    it('applies tag and time filters to both legs, and keeps the keyword index in step with updates and deletes', async () => {
      const marker = await api.post('/api/memories', { content: 'Zanzibar vendor contract renews in spring', tags: ['legal'] });
      const hash = marker.body.content_hash as string;
      assert.equal((await api.post('/api/search', { query: 'zanzibar', tags: ['legal'] })).body.results[0].memory.content_hash, hash);
      const otherTag = (await api.post('/api/search', { query: 'zanzibar', tags: ['finance'] })).body.results as {
        memory: { content_hash: string; tags: string[] };
      }[];
      assert.ok(
        otherTag.every((r) => r.memory.tags.includes('finance')),
        'both legs only see memories with the tag',
      );
      assert.deepEqual((await api.post('/api/search', { query: 'zanzibar', time_filter: 'yesterday' })).body.results, []);
      await api.put(`/api/memories/${hash}`, { tags: ['legal', 'quokka'] });
      const byNewTag = await api.post('/api/search', { query: 'quokka', mode: 'keyword' });
      assert.equal(byNewTag.body.results[0]?.memory.content_hash, hash, 'an updated tag is searchable at once');
      await api.delete(`/api/memories/${hash}`);
      assert.deepEqual((await api.post('/api/search', { query: 'zanzibar', mode: 'keyword' })).body.results, []);
      assert.ok(
        !(await api.post('/api/search', { query: 'zanzibar' })).body.results.some((r: { memory: { content_hash: string } }) => r.memory.content_hash === hash),
      );
    });

    it('takes hostile query text literally in every mode: never a 5xx', async () => {
      const hostile = [
        '"',
        '""',
        '"unbalanced',
        '*',
        'stag*',
        'NEAR(a b)',
        'NEAR(',
        'a AND b',
        'AND',
        'OR NOT',
        '-staging',
        'content:staging',
        'tags:ops',
        '^staging',
        '{content tags}: x',
        '(((',
        ')',
        "'; DROP TABLE memories; --",
        '\\',
        '\u0000',
        '🙂🙃',
        '👩‍💻 deploy',
        'ß ǅ ﬁ',
        '٣٤٥',
        '日本語のテキスト',
        '   ',
        '-',
        '.',
        'x'.repeat(10_000),
        'a '.repeat(4_999),
      ];
      for (const query of hostile) {
        for (const mode of ['hybrid', 'keyword', 'semantic']) {
          const res = await api.post('/api/search', { query, mode, n_results: 5 });
          assert.ok(
            res.status === 200 || res.status === 400,
            `${mode} "${query.slice(0, 30)}" answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`,
          );
        }
        const get = await api.get(`/api/search?q=${encodeURIComponent(query)}&mode=keyword`);
        // A 10,000-character query does not fit in a URL: 431 with a detail.
        assert.ok([200, 400, 431].includes(get.status), `GET "${query.slice(0, 30)}" answered ${get.status}`);
      }
      const quoted = await api.post('/api/search', { query: '"staging" AND NOT release', mode: 'keyword' });
      assert.equal(quoted.status, 200);
      assert.ok(
        quoted.body.results.some((r: { memory: { content: string } }) => /release/i.test(r.memory.content)),
        'NOT is a word here, not an operator',
      );
      assert.equal((await api.post('/api/search', { query: 'x', mode: 'fuzzy' })).status, 400);
    });
  });
