import { Module } from '@nestjs/common';
import { EventHubService } from './event-hub.service.js';
import { EventsController } from './events.controller.js';

/** The only place that writes to client sockets: domain events in, SSE streams out. */
@Module({
  controllers: [EventsController],
  providers: [EventHubService],
  exports: [EventHubService],
})
export class EventsModule {}
