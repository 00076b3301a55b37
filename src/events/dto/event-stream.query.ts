import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumberString, IsOptional, MaxLength } from 'class-validator';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';

export class EventStreamQuery extends SpaceFields {
  @ApiPropertyOptional({ description: 'Resume after this event id (the Last-Event-ID header does the same)' })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  @MaxLength(20)
  last_event_id?: string;
}
