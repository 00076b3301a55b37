import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import * as sqliteVec from 'sqlite-vec';
import { seededRandom } from '../../bench/random.js';

/**
 * Databases shaped like the upstream Python service's, written from its published DDL (a schema
 * dump of v10.74 and the v1.0 baseline; README "Moving data" cites the sources): no upstream code
 * runs here. The rows cover what an importer meets in real files.
 */

/** The current schema (v10.30+): columns 1-16, soft delete, lineage, vec0 with cosine, FTS5 trigram. */
const CURRENT_DDL = `
CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE memories (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  content_hash TEXT UNIQUE NOT NULL,
  content TEXT NOT NULL,
  tags TEXT,
  memory_type TEXT,
  metadata TEXT,
  created_at REAL,
  updated_at REAL,
  created_at_iso TEXT,
  updated_at_iso TEXT,
  deleted_at REAL DEFAULT NULL
, parent_id TEXT, version INTEGER DEFAULT 1, confidence REAL DEFAULT 1.0, last_accessed INTEGER, superseded_by TEXT);
CREATE VIRTUAL TABLE memory_content_fts USING fts5(content, content='memories', content_rowid='id', tokenize='trigram');
CREATE TRIGGER memories_fts_ai AFTER INSERT ON memories BEGIN
  INSERT INTO memory_content_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE INDEX idx_content_hash ON memories(content_hash);
CREATE INDEX idx_created_at ON memories(created_at);
CREATE INDEX idx_memory_type ON memories(memory_type);
CREATE INDEX idx_deleted_at ON memories(deleted_at);
CREATE TABLE memory_graph (
  source_hash TEXT NOT NULL, target_hash TEXT NOT NULL, similarity REAL NOT NULL, connection_types TEXT NOT NULL,
  metadata TEXT, created_at REAL NOT NULL, relationship_type TEXT DEFAULT 'related', PRIMARY KEY (source_hash, target_hash));
CREATE VIRTUAL TABLE memory_embeddings USING vec0(content_embedding FLOAT[768] distance_metric=cosine);
INSERT INTO metadata VALUES ('distance_metric', 'cosine'), ('fts5_enabled', 'true');
`;

/** The v1.0 baseline (to v8.6): columns 1-10 only, vec0 without a metric (L2), no metadata table. */
const BASELINE_DDL = `
CREATE TABLE memories (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  content_hash TEXT UNIQUE NOT NULL,
  content TEXT NOT NULL,
  tags TEXT,
  memory_type TEXT,
  metadata TEXT,
  created_at REAL,
  updated_at REAL,
  created_at_iso TEXT,
  updated_at_iso TEXT
);
CREATE INDEX idx_content_hash ON memories(content_hash);
CREATE INDEX idx_created_at ON memories(created_at);
CREATE INDEX idx_memory_type ON memories(memory_type);
CREATE VIRTUAL TABLE memory_embeddings USING vec0(content_embedding FLOAT[384]);
`;

export interface UpstreamRow {
  content_hash: string;
  content: string;
  tags: string | null;
  memory_type: string | null;
  metadata: string | null;
  created_at: number | null;
  updated_at: number | null;
  created_at_iso: string | null;
  updated_at_iso: string | null;
  deleted_at?: number | null;
  superseded_by?: string | null;
}

/** What an import of the fixture must report, and rows to check field by field. */
export interface UpstreamFixture {
  rows: UpstreamRow[];
  expected: { imported: number; deleted: number; superseded: number; refused: number };
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
/** Upstream's ISO format: UTC with Z, microseconds, the fraction left out when it is 0. */
const iso = (seconds: number): string =>
  new Date(seconds * 1000)
    .toISOString()
    .replace('.000Z', 'Z')
    .replace(/\.(\d{3})Z$/, '.$1000Z');

const TOPICS = ['deploy', 'database', 'frontend', 'billing', 'oncall', 'hiring', 'security', 'design', 'travel', 'meeting'];
const VERBS = ['moved', 'fixed', 'reviewed', 'planned', 'measured', 'documented', 'postponed', 'approved'];

/** A current-schema database with `count` ordinary rows plus every odd kind of row. */
export function writeUpstreamDatabase(path: string, count: number, maxContentBytes: number): UpstreamFixture {
  const random = seededRandom(7);
  const rows: UpstreamRow[] = [];
  const start = 1_735_689_600; // 2025-01-01
  for (let i = 0; i < count; i++) {
    const topic = TOPICS[i % TOPICS.length]!;
    const content = `Note ${i}: the ${topic} work was ${VERBS[i % VERBS.length]} by team ${(i * 7) % 13} after ticket ${1000 + i}`;
    const created = start + i * 3600 + random();
    const separator = i % 5 === 0 ? ', ' : ',';
    rows.push({
      content_hash: sha256(content.trim().toLowerCase()),
      content,
      tags:
        i % 17 === 0
          ? null
          : i % 19 === 0
            ? ''
            : i % 23 === 0
              ? 'untagged'
              : [i % 3 === 0 ? topic.toUpperCase() : topic, `team-${(i * 7) % 13}`].join(separator),
      memory_type: i % 11 === 0 ? null : i % 2 === 0 ? 'note' : 'decision',
      metadata: i % 13 === 0 ? null : i % 29 === 0 ? '{not json' : i % 31 === 0 ? '[1, 2]' : JSON.stringify({ source: 'fixture', n: i, access_count: i % 4 }),
      created_at: i % 37 === 0 ? null : created,
      updated_at: i % 37 === 0 ? null : created + 60,
      // Some older writers stored local-time ISO strings without the Z; the float wins then.
      created_at_iso: i % 41 === 0 ? iso(created).replace('Z', '') : iso(created),
      updated_at_iso: iso(created + 60),
      deleted_at: null,
      superseded_by: null,
    });
  }
  const odd = (row: Partial<UpstreamRow> & { content: string }): UpstreamRow => ({
    content_hash: sha256(row.content),
    tags: 'odd',
    memory_type: 'note',
    metadata: '{}',
    created_at: start,
    updated_at: start,
    created_at_iso: iso(start),
    updated_at_iso: iso(start),
    ...row,
  });
  const deleted = [odd({ content: 'A deleted memory', deleted_at: start + 10 }), odd({ content: 'Another deleted memory', deleted_at: start + 20 })];
  const superseded = [odd({ content: 'The old version of a decision', superseded_by: sha256('the new version') })];
  const refused = [
    odd({ content: '   ' }),
    odd({ content: `A very long memory ${'x'.repeat(maxContentBytes)}` }),
    odd({ content: 'Metadata too large to keep', metadata: JSON.stringify({ blob: 'y'.repeat(70_000) }) }),
  ];
  const fine = [
    // The content-plus-metadata hash of older versions: kept as the memory's id.
    odd({ content: 'Hashed the old way', content_hash: sha256('Hashed the old way{"source": "v8"}'), metadata: '{"source": "v8"}' }),
    odd({ content: 'Tagged with commas and spaces', tags: ' Alpha ,beta,, ALPHA , gamma ' }),
    odd({ content: 'Only an ISO time', created_at: null, updated_at: null, created_at_iso: '2024-06-01T12:00:00.5Z', updated_at_iso: null }),
    odd({ content: 'Unicode survives: café, 東京, emoji 🚀' }),
  ];
  rows.push(...deleted, ...superseded, ...refused, ...fine);

  const db = new Database(path);
  sqliteVec.load(db);
  db.exec(CURRENT_DDL);
  const insert = db.prepare(
    `INSERT INTO memories (content_hash, content, tags, memory_type, metadata, created_at, updated_at, created_at_iso, updated_at_iso, deleted_at, superseded_by)
     VALUES (@content_hash, @content, @tags, @memory_type, @metadata, @created_at, @updated_at, @created_at_iso, @updated_at_iso, @deleted_at, @superseded_by)`,
  );
  const vector = db.prepare('INSERT INTO memory_embeddings (rowid, content_embedding) VALUES (?, ?)');
  db.transaction(() => {
    for (const row of rows) {
      const id = insert.run({ deleted_at: null, superseded_by: null, ...row }).lastInsertRowid;
      // Another model's vectors (768-d), absent for tombstones as upstream removes them.
      if (row.deleted_at == null) vector.run(BigInt(id), Buffer.from(Float32Array.from({ length: 768 }, () => random() - 0.5).buffer));
    }
  })();
  db.close();
  return { rows, expected: { imported: count + fine.length, deleted: deleted.length, superseded: superseded.length, refused: refused.length } };
}

/** A v1.0-era database: ten columns, no soft delete, an L2 vec0 table. */
export function writeBaselineUpstreamDatabase(path: string): UpstreamRow[] {
  const rows: UpstreamRow[] = ['First memory from 2025', 'Second memory, Python tips', 'Third memory about the API'].map((content, i) => ({
    content_hash: sha256(content.toLowerCase()),
    content,
    tags: i === 1 ? 'Python, Tips' : null,
    memory_type: null,
    metadata: i === 2 ? '{"hostname": "laptop"}' : '{}',
    created_at: 1_722_000_000 + i,
    updated_at: 1_722_000_000 + i,
    created_at_iso: iso(1_722_000_000 + i),
    updated_at_iso: iso(1_722_000_000 + i),
  }));
  const db = new Database(path);
  sqliteVec.load(db);
  db.exec(BASELINE_DDL);
  const insert = db.prepare(
    `INSERT INTO memories (content_hash, content, tags, memory_type, metadata, created_at, updated_at, created_at_iso, updated_at_iso)
     VALUES (@content_hash, @content, @tags, @memory_type, @metadata, @created_at, @updated_at, @created_at_iso, @updated_at_iso)`,
  );
  for (const row of rows) insert.run(row);
  db.close();
  return rows;
}
