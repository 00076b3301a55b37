import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from './embedding-provider.js';
import { SwitchableEmbeddingProvider } from './switchable-embedding.provider.js';
import { EmbeddingWorkerPool } from './embedding-worker-pool.js';

@Module({
  providers: [
    {
      provide: EMBEDDING_PROVIDER,
      inject: [APP_CONFIG],
      // Loaded before the server listens, so the first request is as fast as any other.
      useFactory: async (config: AppConfig): Promise<EmbeddingProvider> => {
        const logger = new Logger('Embeddings');
        let switchable: SwitchableEmbeddingProvider | null = null;
        const workers = config.embeddings.workers;
        const provider = await EmbeddingWorkerPool.start(config.embeddings.model, config.embeddings.modelsDir, workers, {
          onBatch: (batch) => {
            logger.debug({ msg: 'Embedded batch', ...batch });
            switchable?.batchEmbedded(batch);
          },
          onWorkerReady: (ready) => logger.log(`Embedding model worker ${ready} of ${workers} ready`),
          onWorkerFailed: (error, ready) =>
            logger.warn(`Embedding model worker ${ready + 1} of ${workers} could not start (${error.message}); serving with ${ready}`),
        });
        logger.log(
          `Loaded embedding model ${provider.modelId} (${provider.dimension}-d) in ${provider.loadMs} ms${workers > 1 ? `; ${workers - 1} more worker thread(s) loading in the background` : ''}`,
        );
        switchable = new SwitchableEmbeddingProvider(provider);
        return switchable;
      },
    },
    // The same instance by its class, for what switches the model (a re-embed).
    { provide: SwitchableEmbeddingProvider, useExisting: EMBEDDING_PROVIDER },
  ],
  exports: [EMBEDDING_PROVIDER, SwitchableEmbeddingProvider],
})
export class EmbeddingsModule implements OnApplicationShutdown {
  constructor(@Inject(EMBEDDING_PROVIDER) private readonly provider: EmbeddingProvider) {}

  async onApplicationShutdown(): Promise<void> {
    await this.provider.close();
  }
}
