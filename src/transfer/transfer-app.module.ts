import { type DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { AppConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { TransferModule } from './transfer.module.js';

/** The import and export services and nothing of HTTP: for `mcp-memory export | import | import-upstream`. */
@Module({})
export class TransferAppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: TransferAppModule, imports: [ConfigModule.forRoot(config), EventEmitterModule.forRoot(), TransferModule] };
  }
}
