import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { assertBackupId } from './backup-catalog.js';
import { BackupService } from './backup.service.js';
import {
  BackupListResponse,
  BackupStatusResponse,
  CreateBackupResponse,
  DeleteBackupResponse,
  IntegrityCheckDto,
  IntegrityCheckResponse,
  RestoreBackupDto,
  RestoreResponse,
  toBackupListResponse,
  toBackupResponse,
  toRestoreResponse,
  toStatusResponse,
} from './dto/backup.dto.js';
import { RequireScope } from '../auth/scopes.js';

/** Backup administration; the upstream service's /api/backup/* routes answer the same data. */
@ApiTags('admin')
@ApiAuthenticated()
@RequireScope('admin')
@Controller('api')
export class AdminController {
  constructor(private readonly backups: BackupService) {}

  @Post(['admin/backup', 'backup/now'])
  @HttpCode(200)
  @ApiOperation({ summary: 'Back up the database now (online, verified, checksummed)' })
  @ApiOkResponse({ type: CreateBackupResponse })
  async create(): Promise<CreateBackupResponse> {
    return { success: true, ...toBackupResponse(await this.backups.create('manual')) };
  }

  @Get(['admin/backups', 'backup/list'])
  @ApiOperation({ summary: 'List backups, newest first' })
  @ApiOkResponse({ type: BackupListResponse })
  list(): BackupListResponse {
    return toBackupListResponse(this.backups.list());
  }

  @Get(['admin/backups/status', 'backup/status'])
  @ApiOperation({ summary: 'Schedule, next run, last success and last failure' })
  @ApiOkResponse({ type: BackupStatusResponse })
  status(): BackupStatusResponse {
    return toStatusResponse(this.backups.status());
  }

  @Post('admin/restore')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Restore a backup in place',
    description:
      "Verifies the backup, backs up the current database, then replaces its memories with the backup's in one transaction, without a restart. Writes arriving meanwhile wait and then apply to the restored data.",
  })
  @ApiOkResponse({ type: RestoreResponse })
  @ApiResponse({ status: 422, description: 'The backup failed its checksum or integrity check; nothing changed' })
  async restore(@Body() dto: RestoreBackupDto): Promise<RestoreResponse> {
    assertBackupId(dto.backup_id);
    return toRestoreResponse(await this.backups.restore(dto.backup_id));
  }

  @Post('admin/integrity-check')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check the live database: quick_check, or the full integrity_check with {"full": true}' })
  @ApiOkResponse({ type: IntegrityCheckResponse })
  async integrity(@Body() dto: IntegrityCheckDto | undefined): Promise<IntegrityCheckResponse> {
    const started = performance.now();
    const problems = await this.backups.checkIntegrity(dto?.full === true);
    return { ok: problems.length === 0, full: dto?.full === true, problems, duration_ms: Math.round(performance.now() - started) };
  }

  @Delete('admin/backups/:backup_id')
  @ApiOperation({ summary: 'Delete a backup' })
  @ApiOkResponse({ type: DeleteBackupResponse })
  async delete(@Param('backup_id') backupId: string): Promise<DeleteBackupResponse> {
    assertBackupId(backupId);
    await this.backups.delete(backupId);
    return { success: true, backup_id: backupId };
  }
}
