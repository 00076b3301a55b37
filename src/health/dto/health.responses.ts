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

  @ApiPropertyOptional({ description: 'Only for callers with a valid key' })
  version?: string;

  @ApiPropertyOptional({ example: '2026-11-25T15:06:00.000Z', description: 'Only for callers with a valid key' })
  timestamp?: string;

  @ApiPropertyOptional({ description: 'Only for callers with a valid key' })
  uptime_seconds?: number;

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

/** Upstream's `storage` object (its clients, e.g. the Claude Code hooks' status line, read `backend`). */
export class HealthStorage {
  @ApiProperty({ enum: ['sqlite-vec', 'postgres'], description: "upstream's backend names" })
  backend!: string;

  @ApiProperty({ enum: ['connected'] })
  status!: string;

  @ApiProperty()
  accessible!: boolean;

  @ApiProperty()
  database_path!: string;

  @ApiProperty()
  embedding_model!: string;

  @ApiProperty()
  total_memories!: number;

  @ApiProperty()
  unique_tags!: number;

  @ApiProperty({ description: 'The database file and its WAL, in MB (SQLite); the database on PostgreSQL' })
  database_size_mb!: number;
}

/** Upstream's `system` object: the machine, and the disk that holds the database (the working directory's on PostgreSQL). */
export class HealthSystem {
  @ApiProperty({ example: 'Linux' })
  platform!: string;

  @ApiProperty()
  platform_version!: string;

  @ApiProperty({ description: 'Where upstream says python_version' })
  node_version!: string;

  @ApiProperty()
  cpu_count!: number;

  @ApiProperty()
  memory_total_gb!: number;

  @ApiProperty()
  memory_available_gb!: number;

  @ApiProperty()
  memory_percent!: number;

  @ApiProperty()
  disk_total_gb!: number;

  @ApiProperty()
  disk_free_gb!: number;

  @ApiProperty()
  disk_percent!: number;
}

export class HealthPerformance {
  @ApiProperty()
  uptime_seconds!: number;

  @ApiProperty({ example: '3.5 hours' })
  uptime_formatted!: string;
}

export class DetailedHealthResponse extends HealthResponse {
  @ApiProperty({ type: HealthStorage })
  storage!: HealthStorage;

  @ApiProperty({ type: HealthSystem })
  system!: HealthSystem;

  @ApiProperty({ type: HealthPerformance })
  performance!: HealthPerformance;

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

export class SyncProgress {
  @ApiProperty()
  in_progress!: boolean;

  @ApiProperty()
  total!: number;

  @ApiProperty()
  completed!: number;

  @ApiProperty()
  finished!: boolean;

  @ApiProperty()
  progress_percentage!: number;
}

export class SyncStatusResponse {
  @ApiProperty({ description: 'false: there is no cloud sync here' })
  sync_supported!: boolean;

  @ApiProperty({ type: SyncProgress })
  status!: SyncProgress;
}
