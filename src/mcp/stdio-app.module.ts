import { type DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { AppConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { McpToolsModule } from './mcp-tools.module.js';

/** The services behind the MCP tools and nothing of HTTP (no /mcp sessions): for `mcp-memory mcp` on a local file. */
@Module({})
export class StdioAppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: StdioAppModule, imports: [ConfigModule.forRoot(config), EventEmitterModule.forRoot(), McpToolsModule] };
  }
}
