import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT, RUNS_FROM_CHECKOUT } from '../../config/installation.js';
import { type EmbeddingRunner, l2Normalize, prepareText } from './embedding-runner.js';

type Dtype = 'fp32' | 'q8';

/** The runtime as a user adds it; the skip keeps onnxruntime-node from downloading GPU libraries nothing here uses. */
const TRANSFORMERS_PACKAGE = '@huggingface/transformers@4 --onnxruntime-node-install=skip';

/** Picks the ONNX variant present in a local model directory (Transformers.js layout). */
function localDtype(modelsDir: string, modelId: string): Dtype | undefined {
  const onnxDir = join(modelsDir, modelId, 'onnx');
  if (existsSync(join(onnxDir, 'model.onnx'))) return 'fp32';
  if (existsSync(join(onnxDir, 'model_quantized.onnx'))) return 'q8';
  return undefined;
}

/**
 * The runtime is an optional peer dependency (its ONNX runtimes weigh ~470 MB that the default model
 * never uses): a message with the exact command when a Transformers.js model is configured without it.
 * Beside a global install it goes into the same global folder, where Node finds it too.
 */
async function importTransformers(): Promise<typeof import('@huggingface/transformers')> {
  try {
    return await import('@huggingface/transformers');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    const command = RUNS_FROM_CHECKOUT
      ? `npm install --no-save ${TRANSFORMERS_PACKAGE} in ${PACKAGE_ROOT}`
      : `npm install -g ${TRANSFORMERS_PACKAGE} (or without -g in the project that installed mcp-memory-service)`;
    throw new Error(
      `Transformers.js models need the package @huggingface/transformers, which this install does not have: run ${command}. ` +
        'The default model use-lite needs nothing more.',
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
