import { Module } from '@nestjs/common';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ExportService } from './export.service.js';
import { ImportService } from './import.service.js';
import { TransferController } from './transfer.controller.js';

/** Moving data in and out: JSON Lines export/import and the upstream service's database. */
@Module({
  imports: [StorageModule, EmbeddingsModule],
  controllers: [TransferController],
  providers: [ImportService, ExportService],
  exports: [ImportService, ExportService],
})
export class TransferModule {}
