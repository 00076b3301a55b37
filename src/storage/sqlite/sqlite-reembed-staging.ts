import { EMBEDDING_MODEL_CHANGED } from '../change-log.js';
import type { ReembedStaging } from '../roles.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { runSqliteJob } from './sqlite-jobs.js';
import type { PassageVector } from '../memory.js';
import { toVectorBlob } from './sqlite-rows.js';

/**
 * Re-embedding on SQLite: the new model's vectors wait in `reembed_vectors` and
 * `reembed_passages` (with the target in service_meta) until the switch, a job on a worker thread that rebuilds the vector table in one
 * transaction while this process's other work waits.
 */
export class SqliteReembedStaging implements ReembedStaging {
  constructor(private readonly db: SqliteDatabase) {}

  begin(model: string, dimension: number): Promise<void> {
    return this.db.write(() => {
      const meta = new Map(
        (
          this.db.statement("SELECT key, value FROM service_meta WHERE key IN ('reembed_model', 'reembed_dimension')").all() as {
            key: string;
            value: string;
          }[]
        ).map((row) => [row.key, row.value]),
      );
      if (meta.get('reembed_model') !== model || meta.get('reembed_dimension') !== String(dimension)) {
        this.db.exec('DROP TABLE IF EXISTS reembed_vectors');
        this.db.exec('DROP TABLE IF EXISTS reembed_passages');
      }
      this.db.exec('CREATE TABLE IF NOT EXISTS reembed_vectors (memory_id INTEGER PRIMARY KEY, embedding BLOB NOT NULL)');
      this.db.exec(`CREATE TABLE IF NOT EXISTS reembed_passages (
        id INTEGER PRIMARY KEY, memory_id INTEGER NOT NULL, char_start INTEGER NOT NULL, char_end INTEGER NOT NULL, embedding BLOB NOT NULL)`);
      this.db.exec('CREATE INDEX IF NOT EXISTS reembed_passages_memory_id ON reembed_passages (memory_id)');
      const set = this.db.statement('INSERT OR REPLACE INTO service_meta (key, value) VALUES (?, ?)');
      set.run('reembed_model', model);
      set.run('reembed_dimension', String(dimension));
    });
  }

  async pending(after: number, limit: number): Promise<{ ref: number; content: string }[]> {
    const [rows] = await this.db.read([
      {
        sql: `SELECT m.id AS ref, m.content AS content FROM memories m
              WHERE m.id > @after AND NOT EXISTS (SELECT 1 FROM reembed_vectors r WHERE r.memory_id = m.id)
              ORDER BY m.id LIMIT @limit`,
        params: { after, limit },
        mode: 'all',
      },
    ]);
    return rows as { ref: number; content: string }[];
  }

  async progress(): Promise<{ done: number; total: number }> {
    const [row] = await this.db.read([
      {
        sql: 'SELECT (SELECT COUNT(*) FROM reembed_vectors r JOIN memories m ON m.id = r.memory_id) AS done, (SELECT COUNT(*) FROM memories) AS total',
        params: {},
        mode: 'get',
      },
    ]);
    return row as { done: number; total: number };
  }

  store(entries: readonly { ref: number; embedding: Float32Array; passages?: readonly PassageVector[] }[]): Promise<void> {
    return this.db.write(() => {
      const insert = this.db.statement(
        'INSERT OR REPLACE INTO reembed_vectors (memory_id, embedding) SELECT @ref, @embedding WHERE EXISTS (SELECT 1 FROM memories WHERE id = @ref)',
      );
      const clearPassages = this.db.statement('DELETE FROM reembed_passages WHERE memory_id = ?');
      const insertPassage = this.db.statement('INSERT INTO reembed_passages (memory_id, char_start, char_end, embedding) VALUES (?, ?, ?, ?)');
      for (const { ref, embedding, passages = [] } of entries) {
        if (insert.run({ ref, embedding: toVectorBlob(embedding) }).changes === 0) continue;
        clearPassages.run(ref);
        for (const { start, end, vector } of passages) insertPassage.run(ref, start, end, toVectorBlob(vector));
      }
    });
  }

  /** On a worker thread (the vector table is rebuilt), other work in this process paused; then reopened as the new model's. */
  complete(model: string, dimension: number): Promise<number | null> {
    return this.db.withOperationsPaused(async () => {
      this.db.followReplacedFile();
      const { pending, moved } = await runSqliteJob({
        kind: 'switch-model',
        path: this.db.path,
        model,
        dimension,
        busyBudgetMs: this.db.busyBudgetMs,
        change: {
          kind: EMBEDDING_MODEL_CHANGED,
          payload: JSON.stringify({ timestamp: new Date().toISOString(), model, dimension, message: `The memories were re-embedded with ${model}` }),
        },
      });
      if (pending !== 0) return null;
      this.db.reopenAs(model, dimension);
      return moved!;
    });
  }
}
