import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { AdminController } from './admin.controller.js';
import { BackupService } from './backup.service.js';
import { SpaceAdminController } from './space-admin.controller.js';
import { SpaceAdminService } from './space-admin.service.js';

@Module({
  imports: [StorageModule, EmbeddingsModule, ScheduleModule.forRoot()],
  controllers: [AdminController, SpaceAdminController],
  providers: [BackupService, SpaceAdminService],
  exports: [BackupService],
})
export class AdminModule {}
