import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HealthStatistics {
  @ApiProperty()
  total_memories!: number;

  @ApiProperty()
  total_tags!: number;
}

export class HealthResponse {
  @ApiProperty({ enum: ['healthy', 'degraded', 'unhealthy'], description: 'degraded: reads work but the last write failed (see write_failure)' })
  status!: string;

  @ApiPropertyOptional({ description: 'Why the last write failed, while the service is degraded' })
  write_failure?: string;

  @ApiProperty()
  version!: string;

  @ApiProperty({ example: '2026-11-25T15:06:00.000Z' })
  timestamp!: string;

  @ApiProperty()
  uptime_seconds!: number;

  @ApiPropertyOptional({ description: 'Only for callers with a valid key', example: 'sqlite_vec' })
  storage_type?: string;

  @ApiPropertyOptional({ type: HealthStatistics, description: 'Only for callers with a valid key' })
  statistics?: HealthStatistics;
}

export class QueryCacheResponse {
  @ApiProperty({ description: 'Query embeddings held' })
  size!: number;

  @ApiProperty({ description: 'MCP_QUERY_CACHE_SIZE' })
  capacity!: number;

  @ApiProperty()
  hits!: number;

  @ApiProperty()
  misses!: number;

  @ApiProperty({ description: 'hits / (hits + misses)' })
  hit_ratio!: number;
}

export class VectorIndexResponse {
  @ApiProperty({ enum: ['auto', 'on', 'off'], description: 'MCP_MEMORY_ANN' })
  mode!: string;

  @ApiProperty({
    enum: ['off', 'below_threshold', 'building', 'catching_up', 'ready', 'behind'],
    description: 'ready: searches use the index; otherwise exact search serves',
  })
  state!: string;

  @ApiProperty({ description: 'Vectors in the built index' })
  indexed!: number;

  @ApiProperty({ description: 'Vectors written since the build, searched exactly beside the index until the next rebuild' })
  pending!: number;

  @ApiProperty({ type: Number, nullable: true })
  last_build_ms!: number | null;

  @ApiProperty({ type: String, nullable: true })
  last_error!: string | null;
}

export class DetailedHealthResponse extends HealthResponse {
  @ApiProperty()
  database_path!: string;

  @ApiProperty()
  database_size_bytes!: number;

  @ApiProperty()
  wal_size_bytes!: number;

  @ApiProperty()
  schema_version!: number;

  @ApiProperty()
  embedding_model!: string;

  @ApiProperty()
  embedding_dimension!: number;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'SQLite pragmas in force' })
  pragmas!: Record<string, string | number>;

  @ApiProperty({ type: QueryCacheResponse, description: 'The query-embedding cache: a repeated query costs no model call' })
  query_cache!: QueryCacheResponse;

  @ApiProperty({
    type: VectorIndexResponse,
    nullable: true,
    description: 'The approximate-nearest-neighbour index beside a SQLite file; null on PostgreSQL (pgvector HNSW inside the database)',
  })
  vector_index!: VectorIndexResponse | null;
}
