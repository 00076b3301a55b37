import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { computeThreadNice } from '../common/thread-priority.js';
import { USE_LITE_MODEL_ID } from './embedding-provider.js';
import { EmbeddingModelLoadError, WorkerEmbeddingProvider } from './worker-embedding.provider.js';
import { threadNiceValues } from '../../test/helpers/threads.js';

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
}

function cosine(a: Float32Array, b: Float32Array): number {
  return a.reduce((sum, x, i) => sum + x * b[i]!, 0);
}

describe('WorkerEmbeddingProvider with the bundled Universal Sentence Encoder lite', () => {
  let provider: WorkerEmbeddingProvider;

  before(async () => {
    provider = await WorkerEmbeddingProvider.start(USE_LITE_MODEL_ID, null);
  });

  after(async () => {
    await provider.close();
  });

  it('loads offline and reports 512 dimensions', () => {
    assert.equal(provider.modelId, 'use-lite');
    assert.equal(provider.dimension, 512);
  });

  it('runs the model at a lower scheduling priority than the event loop (Linux: per-thread nice values)', { skip: process.platform !== 'linux' }, () => {
    const nice = threadNiceValues();
    const main = nice.get(process.pid)!;
    const lowered = computeThreadNice(main);
    assert.ok(lowered > main, `the test process already runs at the lowest priority (nice ${main})`);
    assert.ok([...nice.values()].includes(lowered), `no thread at nice ${lowered} (the event loop at ${main}): ${JSON.stringify([...nice])}`);
  });

  it('returns one unit-length vector per text, in order', async () => {
    const texts = ['The cat sat on the mat', 'Quarterly revenue grew by ten percent', 'x'];
    const vectors = await provider.embed(texts);
    assert.equal(vectors.length, 3);
    for (const v of vectors) {
      assert.equal(v.length, 512);
      assert.ok(Math.abs(norm(v) - 1) < 1e-4);
    }
    const [again] = await provider.embed([texts[1]!]);
    assert.ok(cosine(again!, vectors[1]!) > 0.999, 'same text, same vector, whatever batch it was in');
  });

  it('ranks a paraphrase above unrelated text', async () => {
    const [query, paraphrase, unrelated] = await provider.embed([
      'How do I reset my password?',
      'Steps to change a forgotten login password',
      'The weather in Lisbon is sunny today',
    ]);
    assert.ok(cosine(query!, paraphrase!) > cosine(query!, unrelated!) + 0.2);
  });

  it('merges concurrent requests into shared model calls and answers each with its own vectors', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `concurrent note number ${i} about topic ${i % 7}`);
    const callsBefore = provider.modelCalls;
    const separate = await Promise.all(texts.map((t) => provider.embed([t])));
    assert.ok(provider.modelCalls - callsBefore < texts.length / 2, `40 requests took ${provider.modelCalls - callsBefore} model calls`);
    const batched = await provider.embed(texts);
    for (let i = 0; i < texts.length; i++) {
      assert.equal(separate[i]!.length, 1);
      assert.ok(cosine(separate[i]![0]!, batched[i]!) > 0.999, `text ${i} got its own vector`);
    }
  });

  it('handles very long and blank input', async () => {
    const [long, blank] = await provider.embed(['word '.repeat(50_000), '   ']);
    assert.ok(Math.abs(norm(long!) - 1) < 1e-4);
    assert.equal(blank!.length, 512);
  });
});

const modelsDir = resolve('../shared/models');
const fixture = 'fixtures/minilm-arch-random';

describe('WorkerEmbeddingProvider with a local Transformers.js model (random-weight MiniLM fixture)', () => {
  let provider: WorkerEmbeddingProvider;

  before(async () => {
    assert.ok(existsSync(resolve(modelsDir, fixture)), `the model fixture must exist at ${modelsDir}/${fixture}`);
    provider = await WorkerEmbeddingProvider.start(fixture, modelsDir);
  });

  after(async () => {
    await provider.close();
  });

  it('loads offline from MCP_MEMORY_MODELS_DIR and reports 384 dimensions', () => {
    assert.equal(provider.modelId, fixture);
    assert.equal(provider.dimension, 384);
  });

  it('embeds batches into normalized 384-d vectors, including long and blank input', async () => {
    const texts = Array.from({ length: 50 }, (_, i) => `sentence ${i}`);
    texts.push('token '.repeat(5000), ' ');
    const vectors = await provider.embed(texts);
    assert.equal(vectors.length, texts.length);
    for (const v of vectors) {
      assert.equal(v.length, 384);
      assert.ok(Math.abs(norm(v) - 1) < 1e-3);
    }
  });

  it('fails to start with a clear error for a model that is not in the directory', async () => {
    await assert.rejects(WorkerEmbeddingProvider.start('fixtures/no-such-model', modelsDir), (error: Error) => {
      assert.ok(error instanceof EmbeddingModelLoadError);
      assert.match(error.message, /fixtures\/no-such-model/);
      return true;
    });
  });
});
