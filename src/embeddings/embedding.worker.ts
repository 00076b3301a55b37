import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../common/thread-priority.js';
import type { EmbedRequest, EmbeddingWorkerData, WorkerMessage } from './embedding-worker.protocol.js';
import { USE_LITE_MODEL_ID } from './embedding-provider.js';
import { type EmbeddingRunner, MAX_EMBEDDED_CHARS } from './runners/embedding-runner.js';
import { loadTransformersRunner } from './runners/transformers.runner.js';
import { loadUseLiteRunner } from './runners/use-lite.runner.js';

// Inference blocks its thread for the whole batch, so the model lives here, off the event loop.
const { modelId, modelsDir } = workerData as EmbeddingWorkerData;
lowerThisThreadPriority();
const port = parentPort!;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function load(): Promise<EmbeddingRunner> {
  return modelId === USE_LITE_MODEL_ID ? loadUseLiteRunner() : loadTransformersRunner(modelId, modelsDir);
}

/**
 * Characters per model call. The model's working memory grows with its largest call and is never
 * given back (WASM memory), while long texts gain nothing from batching (the time per character
 * is the same in batches of 4 or 64), so long texts go a few at a time and the thread stays small.
 * Short texts still go 64 (or more) to a call.
 */
const MAX_CHARS_PER_CALL = 16_384;

async function embedInSlices(runner: EmbeddingRunner, texts: string[]): Promise<Float32Array[]> {
  const size = (i: number): number => Math.min(texts[i]!.length, MAX_EMBEDDED_CHARS);
  const vectors: Float32Array[] = [];
  for (let start = 0; start < texts.length;) {
    let end = start + 1;
    for (let chars = size(start); end < texts.length && chars + size(end) <= MAX_CHARS_PER_CALL; end++) chars += size(end);
    vectors.push(...(await runner.embed(texts.slice(start, end))));
    start = end;
  }
  return vectors;
}

const started = performance.now();
load().then(
  (runner) => {
    post({ type: 'ready', dimension: runner.dimension, loadMs: Math.round(performance.now() - started) });
    // Requests arrive one at a time: the provider sends the next batch only after this one answers.
    port.on('message', (request: EmbedRequest) => {
      embedInSlices(runner, request.texts).then(
        (vectors) =>
          post(
            { type: 'result', id: request.id, vectors },
            vectors.map((v) => v.buffer as ArrayBuffer),
          ),
        (error: unknown) => post({ type: 'error', id: request.id, message: String((error as Error)?.message ?? error) }),
      );
    });
  },
  (error: unknown) => post({ type: 'load-error', message: String((error as Error)?.message ?? error) }),
);
