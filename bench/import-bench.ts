/**
 * Import throughput (issue: moving data): an upstream-schema database of generated rows imported
 * through POST /api/admin/import, next to the raw batched model throughput on the same texts.
 */
import { join } from 'node:path';
import type { EmbeddingProvider } from '../src/embeddings/embedding-provider.js';
import { writeUpstreamDatabase } from '../test/helpers/upstream-fixture.js';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 2000);
const BATCH = 64;

export async function runImportBench(url: string, embeddings: EmbeddingProvider, dir: string): Promise<void> {
  const path = join(dir, 'upstream-sqlite_vec.db');
  const fixture = writeUpstreamDatabase(path, ROWS, 1_048_576);
  const texts = fixture.rows.slice(0, ROWS).map((row) => row.content);
  const rawStarted = performance.now();
  for (let i = 0; i < texts.length; i += BATCH) await embeddings.embed(texts.slice(i, i + BATCH));
  const raw = texts.length / ((performance.now() - rawStarted) / 1000);
  const res = await fetch(`${url}/api/admin/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify({ path }),
  });
  if (res.status !== 200) throw new Error(`import answered ${res.status}: ${await res.text()}`);
  const report = (await res.json()) as { imported: number; seconds: number };
  const rate = report.imported / report.seconds;
  console.log(
    `import-upstream: ${report.imported} memories in ${report.seconds.toFixed(1)} s = ${rate.toFixed(0)} memories/s; ` +
      `raw model (batches of ${BATCH}): ${raw.toFixed(0)} sentences/s; import/raw ${(rate / raw).toFixed(2)}`,
  );
}
