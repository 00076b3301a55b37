/** A loaded model inside the embedding worker thread. */
export interface EmbeddingRunner {
  readonly dimension: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/**
 * Longer inputs are cut before embedding: sentence models read only their first few hundred
 * tokens anyway, and a 1 MiB memory must not stall the model for seconds.
 */
export const MAX_EMBEDDED_CHARS = 4096;

export function prepareText(text: string): string {
  const trimmed = text.length > MAX_EMBEDDED_CHARS ? text.slice(0, MAX_EMBEDDED_CHARS) : text;
  // Some tokenizers produce no tokens for blank input; one space keeps every text embeddable.
  return trimmed.trim() === '' ? ' ' : trimmed;
}

export function l2Normalize(values: ArrayLike<number>): Float32Array {
  const vector = Float32Array.from(values);
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}
