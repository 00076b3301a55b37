import { Module } from '@nestjs/common';
import { MemoriesModule } from '../memories/memories.module.js';
import { DocumentUploadsService } from './document-uploads.service.js';
import { DocumentsController } from './documents.controller.js';
import { DocumentsService } from './documents.service.js';

@Module({
  imports: [MemoriesModule],
  controllers: [DocumentsController],
  providers: [DocumentsService, DocumentUploadsService],
  exports: [DocumentsService],
})
export class DocumentsModule {}
