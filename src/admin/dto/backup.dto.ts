import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
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

  @ApiProperty({ enum: ['manual', 'scheduled', 'pre-restore', 'cli'] })
  trigger!: string;

  @ApiPropertyOptional({ description: 'Set when this backup cannot be used (e.g. its manifest is unreadable)' })
  problem?: string;
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
  };
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
  };
}

export function toRestoreResponse(r: RestoreResult): RestoreResponse {
  return { success: true, backup_id: r.backupId, safety_backup_id: r.safetyBackupId, memories: r.memories, duration_ms: r.durationMs };
}

export class IntegrityCheckDto {
  @ApiPropertyOptional({ default: false, description: 'Run the full integrity_check instead of quick_check (slower)' })
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
