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
        const provider = await EmbeddingWorkerPool.start(config.embeddings.model, config.embeddings.modelsDir, config.embeddings.workers, (batch) => {
          logger.debug({ msg: 'Embedded batch', ...batch });
          switchable?.batchEmbedded(batch);
        });
        logger.log(
          `Loaded embedding model ${provider.modelId} (${provider.dimension}-d) in ${provider.loadMs} ms${config.embeddings.workers > 1 ? ` on ${config.embeddings.workers} worker threads` : ''}`,
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
