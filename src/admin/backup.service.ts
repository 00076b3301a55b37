import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { BackupsUnsupportedError, BackupVerificationError } from '../common/domain-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DATABASE_BACKUPS, type DatabaseBackups } from '../storage/database-backups.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { BackupCatalog, type BackupManifest } from './backup-catalog.js';
import { BackupEvents, type BackupCompletedEvent, type BackupRestoredEvent } from './backup-events.js';
import { makeVerifiedBackup, verifyStoredBackup } from './verified-backup.js';

export interface BackupStatus {
  schedule: string | null;
  nextRun: string | null;
  retention: number;
  backupDir: string;
  totalBackups: number;
  totalSizeBytes: number;
  /** When the newest backup in the directory was made (any process). */
  lastBackupAt: string | null;
  lastSuccess: { backupId: string; at: string } | null;
  lastFailure: { at: string; error: string } | null;
}

export interface RestoreResult {
  backupId: string;
  safetyBackupId: string;
  memories: number;
  durationMs: number;
}

const SCHEDULE_JOB = 'scheduled-backup';

/**
 * Verified backups of the live database: on demand, on a schedule with retention, and restore in
 * place. One backup or restore runs at a time.
 */
@Injectable()
export class BackupService implements OnModuleInit {
  private readonly logger = new Logger('Backups');
  private readonly catalog: BackupCatalog;
  private queue: Promise<unknown> = Promise.resolve();
  private lastSuccess: BackupStatus['lastSuccess'] = null;
  private lastFailure: BackupStatus['lastFailure'] = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_BACKUPS) private readonly backups: DatabaseBackups | null,
    @Inject(EMBEDDING_PROVIDER) private readonly embeddings: EmbeddingProvider,
    private readonly events: EventEmitter2,
    private readonly scheduler: SchedulerRegistry,
  ) {
    this.catalog = new BackupCatalog(config.backups.dir);
  }

  /** The backend's backup support; PostgreSQL has none here (409 on every admin route). */
  private database(): DatabaseBackups {
    if (this.backups === null) throw new BackupsUnsupportedError();
    return this.backups;
  }

  onModuleInit(): void {
    if (this.backups !== null) {
      const removed = this.catalog.removeAbandoned();
      if (removed.length > 0) this.logger.warn({ msg: 'Removed files left by interrupted backups', files: removed });
    }
    const schedule = this.config.backups.schedule;
    if (schedule === null || this.backups === null) return;
    const job = CronJob.from({ cronTime: schedule, onTick: () => void this.runScheduled(), start: true });
    this.scheduler.addCronJob(SCHEDULE_JOB, job);
    this.logger.log({ msg: 'Scheduled backups enabled', schedule, next_run: job.nextDate().toISO(), retention: this.config.backups.retention });
  }

  create(trigger: BackupManifest['trigger'] = 'manual'): Promise<BackupManifest> {
    this.database();
    return this.exclusive(() => this.createNow(trigger));
  }

  list(): BackupManifest[] {
    this.database();
    return this.catalog.list();
  }

  delete(backupId: string): Promise<void> {
    this.database();
    return this.exclusive(async () => this.catalog.remove(backupId));
  }

  verify(backupId: string): Promise<BackupManifest> {
    return verifyStoredBackup(this.catalog, backupId, (file) => this.database().inspect(file), this.config.storage.sqlitePath);
  }

  restore(backupId: string): Promise<RestoreResult> {
    this.database();
    return this.exclusive(async () => {
      const started = performance.now();
      const manifest = await this.verify(backupId);
      if (manifest.embedding_model !== null && manifest.embedding_model !== this.embeddings.modelId) {
        throw new BackupVerificationError(
          `Backup ${backupId} was made with embedding model "${manifest.embedding_model}", but the server uses "${this.embeddings.modelId}"`,
        );
      }
      // Writes wait from here until the restore has committed, so none is lost between the
      // safety backup and the restore. Retention never removes the backup being restored.
      const safety = await this.database().withOperationsPaused(async () => {
        const safetyBackup = await this.createNow('pre-restore', [backupId]);
        await this.database().restoreFrom(this.catalog.fileOf(backupId), {
          timestamp: new Date().toISOString(),
          backup_id: backupId,
          safety_backup_id: safetyBackup.backup_id,
          memories: manifest.memories,
          message: 'The database was restored from a backup; reload your data',
        });
        return safetyBackup;
      });
      const result: RestoreResult = {
        backupId,
        safetyBackupId: safety.backup_id,
        memories: manifest.memories,
        durationMs: Math.round(performance.now() - started),
      };
      this.logger.warn({ msg: 'Database restored from backup', backup_id: backupId, safety_backup_id: safety.backup_id });
      this.events.emit(BackupEvents.restored, { backupId, safetyBackupId: safety.backup_id, memories: manifest.memories } satisfies BackupRestoredEvent);
      return result;
    });
  }

  /** quick_check, or the full integrity_check, of the live database (off the event loop). */
  checkIntegrity(full: boolean): Promise<string[]> {
    return this.database().checkIntegrity(full);
  }

  status(): BackupStatus {
    this.database();
    const job = this.config.backups.schedule === null ? null : this.scheduler.getCronJob(SCHEDULE_JOB);
    const backups = this.catalog.list();
    return {
      schedule: this.config.backups.schedule,
      nextRun: job ? job.nextDate().toUTC().toISO() : null,
      retention: this.config.backups.retention,
      backupDir: this.catalog.dir,
      totalBackups: backups.length,
      totalSizeBytes: backups.reduce((sum, b) => sum + b.size_bytes, 0),
      lastBackupAt: backups.find((b) => b.verified)?.created_at ?? null,
      lastSuccess: this.lastSuccess,
      lastFailure: this.lastFailure,
    };
  }

  private async runScheduled(): Promise<void> {
    try {
      await this.create('scheduled');
    } catch {
      // Already logged and recorded in the status; a failed backup never stops the server.
    }
  }

  private async createNow(trigger: BackupManifest['trigger'], inUse: readonly string[] = []): Promise<BackupManifest> {
    try {
      const manifest = await makeVerifiedBackup(
        this.catalog,
        trigger,
        (destination) => this.database().backupTo(destination),
        (file) => this.database().inspect(file),
      );
      this.lastSuccess = { backupId: manifest.backup_id, at: new Date().toISOString() };
      const pruned = this.catalog.prune(this.config.backups.retention, inUse);
      this.logger.log({ msg: 'Backup created', backup_id: manifest.backup_id, trigger, memories: manifest.memories, size_bytes: manifest.size_bytes, pruned });
      this.events.emit(BackupEvents.completed, {
        backupId: manifest.backup_id,
        memories: manifest.memories,
        sizeBytes: manifest.size_bytes,
        createdAt: manifest.created_at,
      } satisfies BackupCompletedEvent);
      return manifest;
    } catch (error) {
      this.lastFailure = { at: new Date().toISOString(), error: (error as Error).message };
      this.logger.error({ msg: 'Backup failed', trigger, error: (error as Error).message });
      throw error;
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
