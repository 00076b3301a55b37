import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';

export class OverviewQuery extends SpaceFields {
  @ApiPropertyOptional({ minimum: 1, maximum: 366, default: 30, description: 'How many days memories_per_day covers, today included' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(366)
  days?: number;

  @ApiPropertyOptional({
    minimum: -840,
    maximum: 840,
    default: 0,
    description: "The viewer's time zone as minutes east of UTC (CET: 60), so days are the viewer's calendar days",
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(-840)
  @Max(840)
  utc_offset_minutes?: number;
}

export class DayCountResponse {
  @ApiProperty({ example: '2026-11-25' })
  day!: string;

  @ApiProperty()
  count!: number;
}

export class TopTagResponse {
  @ApiProperty()
  tag!: string;

  @ApiProperty()
  count!: number;
}

export class SizeSampleResponse {
  @ApiProperty({ example: '2026-11-25T10:00:00.000Z' })
  at!: string;

  @ApiProperty()
  bytes!: number;
}

export class LatencyResponse {
  @ApiProperty({ description: 'Operations completed since the server started' })
  count!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Median over the latest 1,000 operations (model and database included); null before the first' })
  p50_ms!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  p95_ms!: number | null;
}

export class LatenciesResponse {
  @ApiProperty({ type: LatencyResponse })
  store!: LatencyResponse;

  @ApiProperty({ type: LatencyResponse })
  search!: LatencyResponse;
}

export class OverviewResponse {
  @ApiProperty()
  generated_at!: string;

  @ApiProperty()
  total_memories!: number;

  @ApiProperty()
  total_tags!: number;

  @ApiProperty({ type: [DayCountResponse], description: 'One entry per day, oldest first, days without memories as 0' })
  memories_per_day!: DayCountResponse[];

  @ApiProperty({ type: [TopTagResponse], description: 'The 10 most used tags' })
  top_tags!: TopTagResponse[];

  @ApiProperty({ type: [SizeSampleResponse], description: 'Database size samples since this server started, oldest first; the last is now' })
  database_size!: SizeSampleResponse[];

  @ApiProperty({ type: LatenciesResponse })
  latency!: LatenciesResponse;
}
