import { Module } from '@nestjs/common';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ExportService } from './export.service.js';
import { ImportService } from './import.service.js';
import { ReembedService } from './reembed.service.js';
import { TransferController } from './transfer.controller.js';

/** Moving data: JSON Lines export/import, the upstream service's database, re-embedding into another model. */
@Module({
  imports: [StorageModule, EmbeddingsModule],
  controllers: [TransferController],
  providers: [ImportService, ExportService, ReembedService],
  exports: [ImportService, ExportService, ReembedService],
})
export class TransferModule {}
