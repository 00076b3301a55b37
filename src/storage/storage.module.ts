import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { EVENT_LOG, type EventLog } from './change-log.js';
import { DATABASE_BACKUPS, type DatabaseBackups } from './database-backups.js';
import { MEMORY_REPOSITORY, type MemoryRepository } from './memory-repository.js';
import { OAUTH_STORE, type OAuthStore } from './oauth-store.js';
import { SqlOAuthStore } from './sql-oauth-store.js';
import { PostgresEventLog } from './postgres/postgres-event-log.js';
import { PostgresMemoryRepository } from './postgres/postgres-memory.repository.js';
import { SqliteEventLog } from './sqlite/sqlite-event-log.js';
import { SqliteMemoryRepository } from './sqlite/sqlite-memory.repository.js';

@Module({
  imports: [EmbeddingsModule],
  providers: [
    {
      provide: MEMORY_REPOSITORY,
      inject: [APP_CONFIG, EMBEDDING_PROVIDER],
      useFactory: async (config: AppConfig, embeddings: EmbeddingProvider): Promise<MemoryRepository> => {
        try {
          if (config.storage.postgres !== null) {
            return await PostgresMemoryRepository.open({
              ...config.storage.postgres,
              embeddingModel: embeddings.modelId,
              embeddingDimension: embeddings.dimension,
            });
          }
          const logger = new Logger('Storage');
          return SqliteMemoryRepository.open({
            path: config.storage.sqlitePath,
            pragmas: config.storage.pragmas,
            busyBudgetMs: config.storage.busyBudgetMs,
            embeddingModel: embeddings.modelId,
            embeddingDimension: embeddings.dimension,
            allowSharedStorage: config.storage.allowSharedStorage,
            integrityCheck: config.storage.integrityCheck,
            changeLog: config.storage.changeLog,
            readWorkers: config.storage.readWorkers,
            ann: { mode: config.storage.ann, threshold: config.storage.annThreshold },
            faultPoint: config.faultPoint,
            warn: (message) => logger.warn(message),
            log: (message) => logger.log(message),
          });
        } catch (error) {
          // Start-up stops here, and Nest shuts down no provider it already built: free the model.
          await embeddings.close();
          throw error;
        }
      },
    },
    {
      provide: EVENT_LOG,
      // After the repository: its migrations create the change log.
      inject: [APP_CONFIG, MEMORY_REPOSITORY],
      useFactory: async (config: AppConfig, repository: MemoryRepository): Promise<EventLog> =>
        repository instanceof SqliteMemoryRepository ? SqliteEventLog.open(repository) : PostgresEventLog.open(config.storage.postgres!.url),
    },
    // The SQLite repository owns the live connection, so it also takes and restores backups;
    // PostgreSQL's backups belong to PostgreSQL (pg_dump, point-in-time recovery): none here.
    {
      provide: DATABASE_BACKUPS,
      inject: [MEMORY_REPOSITORY],
      useFactory: (repository: MemoryRepository): DatabaseBackups | null => (repository instanceof SqliteMemoryRepository ? repository : null),
    },
    // OAuth's tables live in the memory database (the SQLite file and its backups, or PostgreSQL for every replica).
    {
      provide: OAUTH_STORE,
      inject: [MEMORY_REPOSITORY],
      useFactory: (repository: MemoryRepository): OAuthStore =>
        new SqlOAuthStore((repository as SqliteMemoryRepository | PostgresMemoryRepository).sideTables()),
    },
  ],
  exports: [MEMORY_REPOSITORY, DATABASE_BACKUPS, EVENT_LOG, OAUTH_STORE],
})
export class StorageModule implements OnApplicationShutdown {
  constructor(
    @Inject(MEMORY_REPOSITORY) private readonly repository: MemoryRepository,
    @Inject(EVENT_LOG) private readonly eventLog: EventLog,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.eventLog.close();
    await this.repository.close();
  }
}
