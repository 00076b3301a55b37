import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bm25Part, Fts5Tokenizer, fts5Idf, KEYWORD_TOKENIZER, phraseCount, varints } from './fts5-scoring.js';

const TEXTS = [
  'The billing-api service runs on billing-prod-3 (record 12345).',
  'MCP_INIT_TIMEOUT=30s; 10.0.0.5:8080 and 10am standups, cats running quickly',
  'Café résumé naïve coöperation Straße İstanbul ÆSIR',
  '東京タワー is tall; emoji 🚀 rockets, math x² and ½ cup',
  '["weekly-digest","status"]',
  `a ${'long'.repeat(20)} word, ab, I, generalizations relational conditional`,
  'tabs\tand\nnew\u00a0lines\u2003here',
];

describe('FTS5 scoring outside the index', () => {
  it("splits text into the keyword index's own tokens", () => {
    const index = new Database(':memory:');
    index.exec(`CREATE VIRTUAL TABLE t USING fts5(x, tokenize='${KEYWORD_TOKENIZER}'); CREATE VIRTUAL TABLE v USING fts5vocab(t, instance);`);
    const tokenizer = new Fts5Tokenizer();
    try {
      TEXTS.forEach((text, i) => index.prepare('INSERT INTO t (rowid, x) VALUES (?, ?)').run(i + 1, text));
      TEXTS.forEach((text, i) => {
        const indexed = index
          .prepare('SELECT term FROM v WHERE doc = ? ORDER BY offset')
          .pluck()
          .all(i + 1) as string[];
        assert.deepEqual(tokenizer.tokens(text), indexed, text);
        assert.deepEqual(tokenizer.tokens(text), indexed, `${text} (remembered)`);
      });
    } finally {
      tokenizer.close();
      index.close();
    }
  });

  it('splits a long text a slice at a time into the same tokens', async () => {
    const tokenizer = new Fts5Tokenizer();
    try {
      const long = Array.from({ length: 4_000 }, (_, i) => TEXTS[i % TEXTS.length]!.replaceAll(' ', i % 2 === 0 ? ' ' : '\n')).join(' ');
      assert.ok(long.length > 100_000);
      const whole = tokenizer.tokens(long);
      assert.deepEqual(await tokenizer.tokensOf(long), whole);
      assert.deepEqual(await tokenizer.tokensOf(TEXTS[0]!), tokenizer.tokens(TEXTS[0]!));
    } finally {
      tokenizer.close();
    }
  });

  it("scores a row as FTS5's bm25() does", () => {
    const db = new Database(':memory:');
    db.exec(`CREATE VIRTUAL TABLE t USING fts5(content, tags, tokenize='${KEYWORD_TOKENIZER}', columnsize=1)`);
    const rows = ['the weekly status report', 'status status of the zebra', 'weekly zebra report report', 'nothing here', 'weekly'];
    rows.forEach((text, i) => db.prepare('INSERT INTO t (rowid, content, tags) VALUES (?, ?, ?)').run(i + 1, text, i % 2 === 0 ? '["status"]' : '[]'));
    const [count = 0, ...columns] = varints(db.prepare('SELECT block FROM t_data WHERE id = 1').pluck().get() as Uint8Array);
    assert.equal(count, rows.length);
    const average = columns.reduce((a, b) => a + b, 0) / count;
    const terms = ['status', 'weekly status', 'zebra'];
    const tokenizer = new Fts5Tokenizer();
    try {
      const found = db
        .prepare(`SELECT rowid AS id, content, tags, -bm25(t, 1.0, 0.5) AS score FROM t WHERE t MATCH ? ORDER BY rowid`)
        .all(terms.map((term) => `"${term}"`).join(' OR ')) as { id: number; content: string; tags: string; score: number }[];
      assert.ok(found.length >= 3);
      for (const row of found) {
        const [content, tags] = [tokenizer.tokens(row.content), tokenizer.tokens(row.tags)];
        const length = varints(db.prepare('SELECT sz FROM t_docsize WHERE id = ?').pluck().get(row.id) as Uint8Array).reduce((a, b) => a + b, 0);
        let score = 0;
        for (const term of terms) {
          const matching = db.prepare('SELECT count(*) FROM t WHERE t MATCH ?').pluck().get(`"${term}"`) as number;
          const phrase = tokenizer.tokens(term);
          score += bm25Part(fts5Idf(matching, count), phraseCount(content, phrase) + 0.5 * phraseCount(tags, phrase), length, average);
        }
        assert.ok(Math.abs(score - row.score) < 1e-12, `row ${row.id}: ${score} vs ${row.score}`);
      }
    } finally {
      tokenizer.close();
      db.close();
    }
  });

  it('counts overlapping phrase occurrences as FTS5 does', () => {
    assert.equal(phraseCount(['a', 'a', 'a'], ['a', 'a']), 2);
    assert.equal(phraseCount(['a', 'b', 'a', 'b'], ['a', 'b']), 2);
    assert.equal(phraseCount(['a'], []), 0);
  });
});
