import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { basename } from 'node:path';
import { NAMED_SCHEDULES } from '../../config/app-config.js';
import type { BackupManifest } from '../backup-catalog.js';
import type { BackupStatus, RestoreResult } from '../backup.service.js';

export class RestoreBackupDto {
  @ApiProperty({ example: 'backup-20261125-150600' })
  @IsString()
  @MaxLength(64)
  backup_id!: string;
}

export class BackupResponse {
  @ApiProperty({ example: 'backup-20261125-150600' })
  backup_id!: string;

  @ApiProperty({ description: 'Path of the backup file on the server' })
  file!: string;

  @ApiProperty()
  size_bytes!: number;

  @ApiProperty({ description: 'Memories in the backup, read back from the copy' })
  memories!: number;

  @ApiProperty()
  created_at!: string;

  @ApiProperty()
  duration_ms!: number;

  @ApiProperty({ description: 'Integrity check passed and every memory has its vector' })
  verified!: boolean;

  @ApiProperty({ description: 'SHA-256 of the backup file' })
  sha256!: string;

  @ApiProperty({ enum: ['manual', 'scheduled', 'pre-restore', 'pre-delete-space', 'cli'] })
  trigger!: string;

  @ApiPropertyOptional({ description: 'Set when this backup cannot be used (e.g. its manifest is unreadable)' })
  problem?: string;

  @ApiProperty({ example: 'backup-20261125-150600.db', description: "upstream's name: the file name" })
  filename!: string;

  @ApiProperty({ description: "upstream's name: whole days since the backup was made" })
  age_days!: number;

  @ApiProperty({ description: "upstream's name: duration_ms in seconds" })
  duration_seconds!: number;
}

export class CreateBackupResponse extends BackupResponse {
  @ApiProperty()
  success!: boolean;
}

export class BackupListResponse {
  @ApiProperty({ type: [BackupResponse], description: 'Newest first' })
  backups!: BackupResponse[];

  @ApiProperty()
  total!: number;

  @ApiProperty({ description: "upstream's name for total" })
  total_count!: number;

  @ApiProperty()
  total_size_bytes!: number;
}

export class RestoreResponse {
  @ApiProperty()
  success!: boolean;

  @ApiProperty()
  backup_id!: string;

  @ApiProperty({ description: 'Backup of the database as it was just before the restore' })
  safety_backup_id!: string;

  @ApiProperty()
  memories!: number;

  @ApiProperty()
  duration_ms!: number;
}

export class DeleteBackupResponse {
  @ApiProperty()
  success!: boolean;

  @ApiProperty()
  backup_id!: string;
}

export class BackupEventResponse {
  @ApiProperty()
  backup_id!: string;

  @ApiProperty()
  at!: string;
}

export class BackupFailureResponse {
  @ApiProperty()
  at!: string;

  @ApiProperty()
  error!: string;
}

export class BackupStatusResponse {
  @ApiProperty({ type: String, nullable: true, description: 'Cron expression, or null when off' })
  schedule!: string | null;

  @ApiProperty({ type: String, nullable: true })
  next_run!: string | null;

  @ApiProperty()
  retention!: number;

  @ApiProperty()
  backup_dir!: string;

  @ApiProperty()
  total_backups!: number;

  @ApiProperty({ type: BackupEventResponse, nullable: true })
  last_success!: BackupEventResponse | null;

  @ApiProperty({ type: BackupFailureResponse, nullable: true })
  last_failure!: BackupFailureResponse | null;

  @ApiProperty({ description: "upstream's name: a schedule is set" })
  enabled!: boolean;

  @ApiProperty({ description: 'upstream\'s name: hourly, daily, weekly, the cron expression, or "disabled"' })
  interval!: string;

  @ApiProperty({ description: "upstream's name: the retention count (this server keeps N backups, not N days)" })
  max_count!: number;

  @ApiProperty({ description: "upstream's name for total_backups" })
  backup_count!: number;

  @ApiProperty()
  total_size_bytes!: number;

  @ApiProperty({ type: Number, nullable: true, description: "upstream's name: epoch seconds of the last successful backup" })
  last_backup_time!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  time_since_last_seconds!: number | null;

  @ApiProperty({ type: String, nullable: true, description: "upstream's name for next_run" })
  next_backup_at!: string | null;

  @ApiProperty({ description: "upstream's name: the schedule is active in this process" })
  scheduler_running!: boolean;

  @ApiProperty({ type: Number, nullable: true, description: "upstream's field: null, as this server keeps the newest max_count backups, whatever their age" })
  retention_days!: number | null;

  @ApiProperty({ description: "upstream's name for backup_dir" })
  backup_directory!: string;
}

export function toBackupResponse(m: BackupManifest): BackupResponse {
  return {
    backup_id: m.backup_id,
    file: m.file,
    size_bytes: m.size_bytes,
    memories: m.memories,
    created_at: m.created_at,
    duration_ms: m.duration_ms,
    verified: m.verified,
    sha256: m.sha256,
    trigger: m.trigger,
    ...(m.problem === undefined ? {} : { problem: m.problem }),
    filename: basename(m.file),
    age_days: Math.max(0, Math.floor((Date.now() - Date.parse(m.created_at)) / 86_400_000)),
    duration_seconds: Math.round(m.duration_ms) / 1000,
  };
}

export function toBackupListResponse(manifests: BackupManifest[]): BackupListResponse {
  const backups = manifests.map(toBackupResponse);
  return { backups, total: backups.length, total_count: backups.length, total_size_bytes: backups.reduce((sum, b) => sum + b.size_bytes, 0) };
}

export function toStatusResponse(s: BackupStatus): BackupStatusResponse {
  return {
    schedule: s.schedule,
    next_run: s.nextRun,
    retention: s.retention,
    backup_dir: s.backupDir,
    total_backups: s.totalBackups,
    last_success: s.lastSuccess && { backup_id: s.lastSuccess.backupId, at: s.lastSuccess.at },
    last_failure: s.lastFailure,
    enabled: s.schedule !== null,
    interval: s.schedule === null ? 'disabled' : (Object.entries(NAMED_SCHEDULES).find(([, cron]) => cron === s.schedule)?.[0] ?? s.schedule),
    max_count: s.retention,
    backup_count: s.totalBackups,
    total_size_bytes: s.totalSizeBytes,
    last_backup_time: s.lastBackupAt === null ? null : Date.parse(s.lastBackupAt) / 1000,
    time_since_last_seconds: s.lastBackupAt === null ? null : Math.round((Date.now() - Date.parse(s.lastBackupAt)) / 1000),
    next_backup_at: s.nextRun,
    scheduler_running: s.schedule !== null,
    retention_days: null,
    backup_directory: s.backupDir,
  };
}

export function toRestoreResponse(r: RestoreResult): RestoreResponse {
  return { success: true, backup_id: r.backupId, safety_backup_id: r.safetyBackupId, memories: r.memories, duration_ms: r.durationMs };
}

export class IntegrityCheckDto {
  @ApiPropertyOptional({ description: 'Run the full integrity_check instead of quick_check (slower) (default false)' })
  @IsOptional()
  @IsBoolean()
  full?: boolean;
}

export class IntegrityCheckResponse {
  @ApiProperty()
  ok!: boolean;

  @ApiProperty()
  full!: boolean;

  @ApiProperty({ type: [String], description: 'What the check reported besides "ok"' })
  problems!: string[];

  @ApiProperty()
  duration_ms!: number;
}
