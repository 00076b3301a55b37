import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { EVENT_LOG, type EventLog } from './change-log.js';
import { DATABASE_BACKUPS } from './database-backups.js';
import { OAUTH_STORE } from './oauth-store.js';
import { PostgresBackend } from './postgres/postgres-backend.js';
import { MEMORY_STORE, REEMBED_STAGING, STORAGE_STATUS, TEXT_SEARCH, VECTOR_SEARCH } from './roles.js';
import { SqlOAuthStore } from './sql-oauth-store.js';
import { SqliteBackend } from './sqlite/sqlite-backend.js';
import { STORAGE_BACKEND, type StorageBackend } from './storage-backend.js';

/** The configured backend: PostgreSQL when a URL is set, else the SQLite file. The one place a backend is chosen for the server. */
async function openConfiguredBackend(config: AppConfig, embeddings: EmbeddingProvider): Promise<StorageBackend> {
  const identity = { embeddingModel: embeddings.modelId, embeddingDimension: embeddings.dimension };
  if (config.storage.postgres !== null)
    return PostgresBackend.open({ ...config.storage.postgres, ...identity, keywordPostingsBudget: config.storage.keywordBudget });
  const logger = new Logger('Storage');
  return SqliteBackend.open({
    path: config.storage.sqlitePath,
    pragmas: config.storage.pragmas,
    busyBudgetMs: config.storage.busyBudgetMs,
    ...identity,
    allowSharedStorage: config.storage.allowSharedStorage,
    integrityCheck: config.storage.integrityCheck,
    changeLog: config.storage.changeLog,
    readWorkers: config.storage.readWorkers,
    keywordPostingsBudget: config.storage.keywordBudget,
    ann: { mode: config.storage.ann, threshold: config.storage.annThreshold },
    faultPoint: config.faultPoint,
    warn: (message) => logger.warn(message),
    log: (message) => logger.log(message),
  });
}

/** Each role a service may inject, taken from the one backend. */
const role = (token: symbol, pick: (backend: StorageBackend) => unknown) => ({ provide: token, inject: [STORAGE_BACKEND], useFactory: pick });

@Module({
  imports: [EmbeddingsModule],
  providers: [
    {
      provide: STORAGE_BACKEND,
      inject: [APP_CONFIG, EMBEDDING_PROVIDER],
      useFactory: async (config: AppConfig, embeddings: EmbeddingProvider): Promise<StorageBackend> => {
        try {
          return await openConfiguredBackend(config, embeddings);
        } catch (error) {
          // Start-up stops here, and Nest shuts down no provider it already built: free the model.
          await embeddings.close();
          throw error;
        }
      },
    },
    role(MEMORY_STORE, (backend) => backend.store),
    role(VECTOR_SEARCH, (backend) => backend.vectors),
    role(TEXT_SEARCH, (backend) => backend.text),
    role(STORAGE_STATUS, (backend) => backend.status),
    role(REEMBED_STAGING, (backend) => backend.reembed),
    role(DATABASE_BACKUPS, (backend) => backend.backups),
    // After the backend: its migrations create the change log.
    role(EVENT_LOG, (backend) => backend.openEventLog()),
    // OAuth's tables live in the memory database (the SQLite file and its backups, or PostgreSQL for every replica).
    role(OAUTH_STORE, (backend) => new SqlOAuthStore(backend.sideTables)),
  ],
  exports: [STORAGE_BACKEND, MEMORY_STORE, VECTOR_SEARCH, TEXT_SEARCH, STORAGE_STATUS, REEMBED_STAGING, DATABASE_BACKUPS, EVENT_LOG, OAUTH_STORE],
})
export class StorageModule implements OnApplicationShutdown {
  constructor(
    @Inject(STORAGE_BACKEND) private readonly backend: StorageBackend,
    @Inject(EVENT_LOG) private readonly eventLog: EventLog,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.eventLog.close();
    await this.backend.close();
  }
}
