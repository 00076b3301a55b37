import { Module } from '@nestjs/common';
import { MemoriesModule } from '../memories/memories.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ManageController } from './manage.controller.js';
import { ManageService } from './manage.service.js';

@Module({
  imports: [MemoriesModule, StorageModule],
  controllers: [ManageController],
  providers: [ManageService],
})
export class ManageModule {}
