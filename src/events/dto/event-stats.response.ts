import { ApiProperty } from '@nestjs/swagger';

export class EventStatsResponse {
  @ApiProperty({ description: 'Open event streams' })
  connected_clients!: number;

  @ApiProperty({ description: 'Events published since start' })
  events_published!: number;

  @ApiProperty({ description: 'Event messages written to clients since start' })
  events_sent!: number;

  @ApiProperty({ description: 'Clients disconnected for falling too far behind' })
  dropped_clients!: number;

  @ApiProperty()
  last_event_id!: number;

  @ApiProperty()
  replay_buffer_size!: number;

  @ApiProperty()
  replay_buffer_capacity!: number;
}
