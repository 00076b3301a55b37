import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { TimingsModule } from '../stats/timings.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { SearchController } from './search.controller.js';
import { SearchService } from './search.service.js';

@Module({
  imports: [StorageModule, EmbeddingsModule, TimingsModule, AccessModule],
  controllers: [SearchController],
  providers: [SearchService],
  exports: [SearchService],
})
export class SearchModule {}
