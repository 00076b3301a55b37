import { ApiProperty } from '@nestjs/swagger';

export class ConnectionInfoResponse {
  @ApiProperty()
  connection_id!: string;

  @ApiProperty()
  client_ip!: string;

  @ApiProperty()
  user_agent!: string;

  @ApiProperty()
  connected_duration_seconds!: number;

  @ApiProperty()
  last_heartbeat_seconds_ago!: number;
}

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

  @ApiProperty({ description: 'Most events the replay buffer keeps (MCP_SSE_REPLAY_BUFFER)' })
  replay_buffer_capacity!: number;

  @ApiProperty({ description: 'Bytes the replay buffer holds now' })
  replay_buffer_bytes!: number;

  @ApiProperty({ description: 'Most bytes the replay buffer keeps (MCP_SSE_REPLAY_BUFFER_BYTES)' })
  replay_buffer_max_bytes!: number;

  @ApiProperty({ description: "The same as connected_clients (upstream's name)" })
  total_connections!: number;

  @ApiProperty({ description: "Seconds between heartbeats (upstream's name)" })
  heartbeat_interval!: number;

  @ApiProperty({ type: [ConnectionInfoResponse], description: "One entry per open stream (upstream's fields)" })
  connections!: ConnectionInfoResponse[];
}
