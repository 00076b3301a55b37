import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type EmbeddingRunner, l2Normalize, prepareText } from './embedding-runner.js';

type Dtype = 'fp32' | 'q8';

/** Picks the ONNX variant present in a local model directory (Transformers.js layout). */
function localDtype(modelsDir: string, modelId: string): Dtype | undefined {
  const onnxDir = join(modelsDir, modelId, 'onnx');
  if (existsSync(join(onnxDir, 'model.onnx'))) return 'fp32';
  if (existsSync(join(onnxDir, 'model_quantized.onnx'))) return 'q8';
  return undefined;
}

/**
 * The runtime is an optional dependency (its ONNX runtimes weigh ~470 MB that the default model never
 * uses): a clear message when a Transformers.js model is configured without it.
 */
async function importTransformers(): Promise<typeof import('@huggingface/transformers')> {
  try {
    return await import('@huggingface/transformers');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      'Transformers.js models need the optional package @huggingface/transformers, which this install does not have: ' +
        'run "npm install --no-save --omit=dev @huggingface/transformers@4" in the service directory (the default model use-lite needs nothing more)',
    );
  }
}

/**
 * Any Transformers.js feature-extraction model: mean pooling, normalized. With a models directory
 * it loads from there only (offline); otherwise from the model hub, cached after the first load.
 * Imported lazily so users of the default model never load onnxruntime.
 */
export async function loadTransformersRunner(modelId: string, modelsDir: string | null): Promise<EmbeddingRunner> {
  const { pipeline, env } = await importTransformers();
  let dtype: Dtype | undefined;
  if (modelsDir !== null) {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = modelsDir;
    dtype = localDtype(modelsDir, modelId);
    if (dtype === undefined) {
      throw new Error(`no ONNX model under ${join(modelsDir, modelId, 'onnx')} (expected model.onnx or model_quantized.onnx)`);
    }
  }
  const extract = await pipeline('feature-extraction', modelId, dtype === undefined ? {} : { dtype });
  const embed = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const output = await extract(texts.map(prepareText), { pooling: 'mean', normalize: true });
    const [rows, dimension] = output.dims as [number, number];
    const data = output.data as Float32Array;
    return Array.from({ length: rows }, (_, i) => l2Normalize(data.subarray(i * dimension, (i + 1) * dimension)));
  };
  const probe = await embed(['probe']);
  return { dimension: probe[0]!.length, embed };
}
