import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { SizeHistory } from './size-history.js';
import { StatsController } from './stats.controller.js';
import { StatsService } from './stats.service.js';
import { TimingsModule } from './timings.module.js';

/** /api/stats: the picture of the store behind the dashboard's Overview. */
@Module({
  imports: [StorageModule, TimingsModule],
  controllers: [StatsController],
  providers: [StatsService, SizeHistory],
})
export class StatsModule {}
