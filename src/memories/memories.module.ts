import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { TimingsModule } from '../stats/timings.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { MemoriesController } from './memories.controller.js';
import { ExpiryService } from './expiry.service.js';
import { MemoriesService } from './memories.service.js';
import { PassageBackfillService } from './passage-backfill.service.js';
import { SpacesController } from './spaces.controller.js';
import { TagsController, TypesController } from './tags.controller.js';

@Module({
  imports: [StorageModule, EmbeddingsModule, TimingsModule, AccessModule],
  controllers: [MemoriesController, TagsController, TypesController, SpacesController],
  providers: [MemoriesService, ExpiryService, PassageBackfillService],
  exports: [MemoriesService],
})
export class MemoriesModule {}
