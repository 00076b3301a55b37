import { embeddingSpaceOf, openBackendAt } from '../storage/backend-at.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { progressReporter } from './progress.js';

const BATCH = 500;

/**
 * `mcp-memory migrate --from X --to Y`: copies every memory with its tags, metadata, timestamps
 * and vectors (a long memory's passages too; no re-embedding) in batches; resumable; verified at the end. Returns the exit code.
 */
export async function runMigrateCommand({ from, to, json }: { from: string; to: string; json: boolean }): Promise<number> {
  const space = await embeddingSpaceOf(from);
  const source = await openBackendAt(from, space);
  let target: StorageBackend | null = null;
  try {
    target = await openBackendAt(to, space);
    const total = (await source.status.statistics()).totalMemories;
    let copied = 0;
    let skipped = 0;
    const sourceHashes: string[] = [];
    const progress = progressReporter('migrated', 'memories');
    for (let offset = 0; offset < total; offset += BATCH) {
      const page = await source.store.list({}, offset, BATCH);
      for (const memory of page.memories) {
        sourceHashes.push(memory.contentHash);
        const embedding = await source.store.findEmbedding(memory.contentHash);
        if (embedding === null) throw new Error(`memory ${memory.contentHash} has no vector in the source`);
        const outcome = await target.store.insertWithEmbedding(memory, embedding, await source.store.findPassages(memory.contentHash));
        if (outcome.inserted) copied += 1;
        else skipped += 1;
      }
      progress(Math.min(offset + BATCH, total), total);
    }
    const missing: string[] = [];
    for (const hash of sourceHashes) if ((await target.store.findByHash(hash)) === null) missing.push(hash);
    const targetTotal = (await target.status.statistics()).totalMemories;
    if (missing.length > 0) {
      console.error(`Verification failed: ${missing.length} memories are missing in the target`);
      return 1;
    }
    if (json) {
      console.log(
        JSON.stringify({ migrated: total, copied, skipped, target_total: targetTotal, embedding_model: space.model, embedding_dimension: space.dimension }),
      );
      return 0;
    }
    console.log(
      `Migrated ${total} memories (${copied} copied, ${skipped} already there); the target now holds ${targetTotal}; model ${space.model} (${space.dimension}-d), vectors copied`,
    );
    return 0;
  } finally {
    await source.close();
    await target?.close();
  }
}
