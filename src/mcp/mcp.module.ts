import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module.js';
import { MemoriesModule } from '../memories/memories.module.js';
import { SearchModule } from '../search/search.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { McpSessionsService } from './mcp-sessions.service.js';
import { McpController } from './mcp.controller.js';
import { ServiceToolBackend } from './service-tool-backend.js';

@Module({
  imports: [MemoriesModule, SearchModule, HealthModule, StorageModule],
  controllers: [McpController],
  providers: [ServiceToolBackend, McpSessionsService],
  exports: [ServiceToolBackend],
})
export class McpModule {}
