import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { MemoriesController } from './memories.controller.js';
import { MemoriesService } from './memories.service.js';
import { TagsController } from './tags.controller.js';

@Module({
  imports: [StorageModule],
  controllers: [MemoriesController, TagsController],
  providers: [MemoriesService],
  exports: [MemoriesService],
})
export class MemoriesModule {}
