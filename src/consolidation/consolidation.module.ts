import { Module } from '@nestjs/common';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { MemoriesModule } from '../memories/memories.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ConsolidationController } from './consolidation.controller.js';
import { ConsolidationService } from './consolidation.service.js';

@Module({
  imports: [StorageModule, EmbeddingsModule, MemoriesModule],
  controllers: [ConsolidationController],
  providers: [ConsolidationService],
  exports: [ConsolidationService],
})
export class ConsolidationModule {}
