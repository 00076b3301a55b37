import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { ImportReport } from '../import.service.js';
import type { ReembedReport } from '../reembed.service.js';

export class ImportFileDto {
  @ApiProperty({
    description: "A file on the server's disk: an upstream mcp-memory-service database (sqlite_vec.db) or a JSON Lines export",
    example: '/var/lib/mcp-memory/upstream/sqlite_vec.db',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  path!: string;
}

class RefusalResponse {
  @ApiProperty({ example: 'line 12', description: 'Where the entry was: line N of JSON Lines, row N (its id) of an upstream database' })
  source!: string;

  @ApiProperty({ type: String, nullable: true })
  content_hash!: string | null;

  @ApiProperty({ example: 'content: content must not be empty or only whitespace' })
  reason!: string;
}

export class ImportReportResponse implements ImportReport {
  @ApiProperty({ description: 'Memories stored by this import' })
  imported!: number;

  @ApiProperty({ description: 'Entries already stored (same content hash): left as they were' })
  duplicates!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Left out on purpose, counted by reason',
    example: { 'deleted upstream': 3 },
  })
  skipped!: Record<string, number>;

  @ApiProperty({ description: 'Entries that break a rule (all counted; the first 1,000 listed)' })
  refused!: number;

  @ApiProperty({ type: [RefusalResponse] })
  refusals!: RefusalResponse[];

  @ApiProperty({ description: 'Imported with their own vectors (exported by this model), not re-embedded' })
  vectors_reused!: number;

  @ApiProperty()
  seconds!: number;

  @ApiProperty({ description: 'Entries read per second' })
  per_second!: number;
}

export class ReembedDto {
  @ApiProperty({ description: 'The model to move the database to (as MCP_EMBEDDING_MODEL names models)', example: 'Xenova/all-MiniLM-L6-v2' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  model!: string;
}

export class ReembedReportResponse implements ReembedReport {
  @ApiProperty()
  from_model!: string;

  @ApiProperty()
  from_dimension!: number;

  @ApiProperty({ description: 'The model the database (and this server) uses now' })
  model!: string;

  @ApiProperty()
  dimension!: number;

  @ApiProperty({ description: 'Memories in the database after the switch' })
  memories!: number;

  @ApiProperty({ description: "Embedded by this run (an interrupted run's vectors are kept)" })
  embedded!: number;

  @ApiProperty()
  seconds!: number;
}
