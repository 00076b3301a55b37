import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { USE_LITE_MODEL_ID } from './embedding-provider.js';
import { EmbeddingWorkerPool } from './embedding-worker-pool.js';
import { WorkerEmbeddingProvider } from './worker-embedding.provider.js';

describe('EmbeddingWorkerPool (MCP_EMBEDDING_WORKERS)', () => {
  let pool: EmbeddingWorkerPool;
  let single: EmbeddingWorkerPool;
  const joined: number[] = [];

  before(async () => {
    pool = await EmbeddingWorkerPool.start(USE_LITE_MODEL_ID, null, 2, { onWorkerReady: (n) => joined.push(n) });
    single = await EmbeddingWorkerPool.start(USE_LITE_MODEL_ID, null, 1);
  });

  after(async () => {
    await pool.close();
    await single.close();
  });

  it('answers as soon as its first worker is up; the others join in the background', async () => {
    const [vector] = await pool.embed(['served before the second model has loaded']);
    assert.equal(vector!.length, 512);
    await pool.whenComplete();
    assert.deepEqual(joined, [2]);
    assert.deepEqual([pool.size, single.size, pool.modelId, pool.dimension], [2, 1, 'use-lite', 512]);
  });

  it('spreads concurrent requests over its workers, with the same vectors as one worker, in order', async () => {
    await pool.whenComplete();
    const texts = Array.from({ length: 16 }, (_, i) => `Concurrent question number ${i} about the release`);
    const before = pool.modelCallsPerWorker;
    const pooled = await Promise.all(texts.map((text) => pool.embed([text])));
    const alone = await single.embed(texts);
    for (let i = 0; i < texts.length; i++) {
      const cosine = pooled[i]![0]!.reduce((sum, x, j) => sum + x * alone[i]![j]!, 0);
      assert.ok(cosine > 0.9999, `text ${i}: cosine ${cosine}`);
    }
    const calls = pool.modelCallsPerWorker.map((n, i) => n - before[i]!);
    assert.ok(
      calls.every((n) => n > 0),
      `both workers embedded: ${calls.join(', ')}`,
    );
  });

  it('a worker after the first that cannot load leaves the pool smaller, not failed', async () => {
    const failures: string[] = [];
    let started = 0;
    const start = (): Promise<WorkerEmbeddingProvider> =>
      ++started === 2 ? Promise.reject(new Error('model runtime failed to initialise')) : WorkerEmbeddingProvider.start(USE_LITE_MODEL_ID, null);
    const smaller = await EmbeddingWorkerPool.startWith(start, 3, { onWorkerFailed: (e, ready) => failures.push(`${e.message} with ${ready}`) });
    await smaller.whenComplete();
    assert.deepEqual([smaller.size, started, failures], [1, 2, ['model runtime failed to initialise with 1']]);
    assert.equal((await smaller.embed(['still serving']))[0]!.length, 512);
    await smaller.close();
  });

  it('the first worker failing fails the start (after one retry in a fresh worker)', async () => {
    await assert.rejects(
      EmbeddingWorkerPool.start('no-such-org/no-such-model', '/nonexistent-models', 2),
      /Cannot load embedding model "no-such-org\/no-such-model"/,
    );
  });

  it('close() while a worker is still loading waits for it and stops it', async () => {
    const closing = await EmbeddingWorkerPool.start(USE_LITE_MODEL_ID, null, 3);
    await closing.close();
    assert.ok(closing.size <= 3);
    await assert.rejects(closing.embed(['after close']), /shutting down/);
  });
});
