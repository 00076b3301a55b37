import { SessionsModule } from '../sessions/sessions.module.js';
import { DocumentsModule } from '../documents/documents.module.js';
import { ConsolidationModule } from '../consolidation/consolidation.module.js';
import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module.js';
import { MemoriesModule } from '../memories/memories.module.js';
import { SearchModule } from '../search/search.module.js';
import { ServiceToolBackend } from './service-tool-backend.js';

/** The services behind the MCP tools, without any transport: shared by /mcp (HTTP) and `mcp-memory mcp` (stdio). */
@Module({
  imports: [MemoriesModule, SearchModule, HealthModule, ConsolidationModule, SessionsModule, DocumentsModule],
  providers: [ServiceToolBackend],
  exports: [ServiceToolBackend],
})
export class McpToolsModule {}
