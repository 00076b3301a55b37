import { parentPort, workerData } from 'node:worker_threads';
import type { EmbedRequest, EmbeddingWorkerData, WorkerMessage } from './embedding-worker.protocol.js';
import { USE_LITE_MODEL_ID } from './embedding-provider.js';
import type { EmbeddingRunner } from './runners/embedding-runner.js';
import { loadTransformersRunner } from './runners/transformers.runner.js';
import { loadUseLiteRunner } from './runners/use-lite.runner.js';

// Inference blocks its thread for the whole batch, so the model lives here, off the event loop.
const { modelId, modelsDir } = workerData as EmbeddingWorkerData;
const port = parentPort!;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function load(): Promise<EmbeddingRunner> {
  return modelId === USE_LITE_MODEL_ID ? loadUseLiteRunner() : loadTransformersRunner(modelId, modelsDir);
}

const started = performance.now();
load().then(
  (runner) => {
    post({ type: 'ready', dimension: runner.dimension, loadMs: Math.round(performance.now() - started) });
    // Requests arrive one at a time: the provider sends the next batch only after this one answers.
    port.on('message', (request: EmbedRequest) => {
      runner.embed(request.texts).then(
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
