import { type DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ConsolidationModule } from './consolidation/consolidation.module.js';
import { DocumentsModule } from './documents/documents.module.js';
import { DiscoveryModule } from './discovery/discovery.module.js';
import { EventsModule } from './events/events.module.js';
import { HealthModule } from './health/health.module.js';
import { ManageModule } from './manage/manage.module.js';
import { McpModule } from './mcp/mcp.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OAuthModule } from './oauth/oauth.module.js';
import { MemoriesModule } from './memories/memories.module.js';
import { SearchModule } from './search/search.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { StatsModule } from './stats/stats.module.js';
import { TransferModule } from './transfer/transfer.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        EventEmitterModule.forRoot(),
        AuthModule,
        MemoriesModule,
        SearchModule,
        ConsolidationModule,
        SessionsModule,
        ManageModule,
        DocumentsModule,
        HealthModule,
        EventsModule,
        McpModule,
        AdminModule,
        StatsModule,
        TransferModule,
        ...(config.metrics.enabled ? [MetricsModule] : []),
        ...(config.oauth.enabled ? [OAuthModule] : []),
        DiscoveryModule,
      ],
    };
  }
}
