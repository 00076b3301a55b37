import { ApiProperty } from '@nestjs/swagger';
import { QueryCacheResponse } from './health.responses.js';

export class MemoryStatsCaches {
  @ApiProperty({ type: QueryCacheResponse })
  query_cache!: QueryCacheResponse;
}

/** upstream's GET /api/memory-stats: the server process's memory and its caches. */
export class MemoryStatsResponse {
  @ApiProperty({ description: 'Resident memory of the server process (RSS), MB' })
  process_memory_mb!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'Virtual memory of the process, MB (null where the system does not tell)' })
  process_memory_virtual_mb!: number | null;

  @ApiProperty()
  system_memory_total_gb!: number;

  @ApiProperty()
  system_memory_available_gb!: number;

  @ApiProperty()
  system_memory_percent!: number;

  @ApiProperty({ description: 'Storage backends open (one per server)' })
  cached_storage_count!: number;

  @ApiProperty({ description: 'Memory services (one per server)' })
  cached_service_count!: number;

  @ApiProperty({ description: 'Embedding models loaded' })
  model_cache_count!: number;

  @ApiProperty({ description: 'Query vectors cached' })
  embedding_cache_count!: number;

  @ApiProperty({ type: MemoryStatsCaches })
  cache_stats!: MemoryStatsCaches;
}

/** upstream's POST /api/clear-caches. */
export class ClearCachesResponse {
  @ApiProperty()
  success!: boolean;

  @ApiProperty({ description: 'Always 0: the storage backend is not cached per request here' })
  storage_instances_cleared!: number;

  @ApiProperty({ description: 'Always 0: the service is not cached per request here' })
  service_instances_cleared!: number;

  @ApiProperty({ description: 'Always 0: the embedding model stays loaded (a search would load it again at once)' })
  models_cleared!: number;

  @ApiProperty({ description: 'Query vectors forgotten' })
  embeddings_cleared!: number;

  @ApiProperty({ description: 'Recent search results forgotten (keyword leg; the vector leg goes with the query vectors)' })
  results_cleared!: number;

  @ApiProperty({ description: 'Always 0: collection is left to the runtime' })
  gc_collected!: number;

  @ApiProperty({ description: 'The size of what was dropped, roughly, MB' })
  memory_freed_estimate_mb!: number;
}
