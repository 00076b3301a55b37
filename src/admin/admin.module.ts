import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { AdminController } from './admin.controller.js';
import { BackupService } from './backup.service.js';

@Module({
  imports: [StorageModule, EmbeddingsModule, ScheduleModule.forRoot()],
  controllers: [AdminController],
  providers: [BackupService],
  exports: [BackupService],
})
export class AdminModule {}
