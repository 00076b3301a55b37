import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { EventHubService } from './event-hub.service.js';
import { EventsController } from './events.controller.js';

/** The only place that writes to client sockets: domain events in, SSE streams out. */
@Module({
  imports: [StorageModule],
  controllers: [EventsController],
  providers: [EventHubService],
  exports: [EventHubService],
})
export class EventsModule {}
