import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';

export interface DatabaseFacts {
  integrity: string;
  memories: number;
  vectors: number;
  /** Memories that have their vector. */
  joined: number;
  /** Tag rows whose memory is gone. */
  orphanTags: number;
  hashes: Set<string>;
}

/** Opens a database file read-only (with sqlite-vec) and reports what the consistency checks need. */
export function databaseFacts(path: string): DatabaseFacts {
  const db = new Database(path, { readonly: true });
  sqliteVec.load(db);
  try {
    const counts = db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM memories) AS memories,
                (SELECT COUNT(*) FROM memory_embeddings) AS vectors,
                (SELECT COUNT(*) FROM memories m JOIN memory_embeddings e ON e.rowid = m.id) AS joined,
                (SELECT COUNT(*) FROM memory_tags WHERE memory_id NOT IN (SELECT id FROM memories)) AS orphanTags`,
      )
      .get() as Omit<DatabaseFacts, 'integrity' | 'hashes'>;
    const hashes = new Set(db.prepare('SELECT content_hash FROM memories').pluck().all() as string[]);
    return { integrity: String(db.pragma('integrity_check', { simple: true })), ...counts, hashes };
  } finally {
    db.close();
  }
}
