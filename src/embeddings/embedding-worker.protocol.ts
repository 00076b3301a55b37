/** Messages between WorkerEmbeddingProvider and embedding.worker.ts. */
export interface EmbeddingWorkerData {
  modelId: string;
  modelsDir: string | null;
}

export interface EmbedRequest {
  id: number;
  texts: string[];
}

export type WorkerMessage =
  | { type: 'ready'; dimension: number; loadMs: number }
  | { type: 'load-error'; message: string }
  | { type: 'result'; id: number; vectors: Float32Array[] }
  | { type: 'error'; id: number; message: string };
