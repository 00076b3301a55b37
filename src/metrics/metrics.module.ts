import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { EmbeddingsModule } from '../embeddings/embeddings.module.js';
import { EventsModule } from '../events/events.module.js';
import { McpModule } from '../mcp/mcp.module.js';
import { TimingsModule } from '../stats/timings.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { MetricsPort } from './metrics-port.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus metrics (MCP_METRICS_ENABLED=true): GET /metrics, and MCP_METRICS_PORT. */
@Module({
  imports: [StorageModule, EmbeddingsModule, TimingsModule, EventsModule, AuthModule, McpModule, AdminModule],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsPort],
  exports: [MetricsService],
})
export class MetricsModule {}
