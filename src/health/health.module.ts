import { Module } from '@nestjs/common';
import { SearchModule } from '../search/search.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { MemoryStatsController } from './memory-stats.controller.js';

@Module({
  imports: [StorageModule, SearchModule],
  controllers: [HealthController, MemoryStatsController],
  providers: [HealthService],
  exports: [HealthService],
})
export class HealthModule {}
