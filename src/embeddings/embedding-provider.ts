/** Turns text into vectors. Services depend on this interface, injected as EMBEDDING_PROVIDER. */
export const EMBEDDING_PROVIDER = Symbol('EMBEDDING_PROVIDER');

export interface EmbeddingProvider {
  readonly modelId: string;
  readonly dimension: number;
  /** L2-normalized vectors, one per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Runs work that embeds and then uses the vectors against the database, with no model change in between. */
  consistently<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The bundled Universal Sentence Encoder lite model's id. */
export const USE_LITE_MODEL_ID = 'use-lite';
