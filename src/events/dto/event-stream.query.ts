import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNumberString, IsOptional, MaxLength } from 'class-validator';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';

export class EventStreamQuery extends SpaceFields {
  @ApiPropertyOptional({ description: 'Resume after this event id (the Last-Event-ID header does the same)' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(20)
  last_event_id?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description:
      "Also upstream's search_completed events (query, search_type, results_count, processing_time_ms) of searches made with this stream's key: every client sharing the key sees them, so only on request",
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  searches?: 'true' | 'false';
}
