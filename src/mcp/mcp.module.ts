import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { McpSessionsService } from './mcp-sessions.service.js';
import { McpToolsModule } from './mcp-tools.module.js';
import { McpController } from './mcp.controller.js';

/** MCP over Streamable HTTP at /mcp: sessions, and store changes (from the event log) pushed to them. */
@Module({
  imports: [McpToolsModule, StorageModule],
  controllers: [McpController],
  providers: [McpSessionsService],
  exports: [McpSessionsService],
})
export class McpModule {}
