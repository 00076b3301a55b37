import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { USE_LITE_MODEL_ID } from './embedding-provider.js';
import { EmbeddingWorkerPool } from './embedding-worker-pool.js';
import { WorkerEmbeddingProvider } from './worker-embedding.provider.js';

describe('EmbeddingWorkerPool (MCP_EMBEDDING_WORKERS)', () => {
  let pool: EmbeddingWorkerPool;
  let single: WorkerEmbeddingProvider;

  before(async () => {
    pool = (await EmbeddingWorkerPool.start(USE_LITE_MODEL_ID, null, 2)) as EmbeddingWorkerPool;
    single = (await EmbeddingWorkerPool.start(USE_LITE_MODEL_ID, null, 1)) as WorkerEmbeddingProvider;
  });

  after(async () => {
    await pool.close();
    await single.close();
  });

  it('one worker is the plain provider; two are a pool of the same model', () => {
    assert.ok(single instanceof WorkerEmbeddingProvider);
    assert.ok(pool instanceof EmbeddingWorkerPool);
    assert.deepEqual([pool.modelId, pool.dimension], ['use-lite', 512]);
  });

  it('spreads concurrent requests over its workers, with the same vectors as one worker, in order', async () => {
    const texts = Array.from({ length: 16 }, (_, i) => `Concurrent question number ${i} about the release`);
    const pooled = await Promise.all(texts.map((text) => pool.embed([text])));
    const alone = await single.embed(texts);
    for (let i = 0; i < texts.length; i++) {
      const cosine = pooled[i]![0]!.reduce((sum, x, j) => sum + x * alone[i]![j]!, 0);
      assert.ok(cosine > 0.9999, `text ${i}: cosine ${cosine}`);
    }
    const calls = pool.modelCallsPerWorker;
    assert.ok(
      calls.every((n) => n > 0),
      `both workers embedded: ${calls.join(', ')}`,
    );
  });
});
