import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MemoryResponse } from '../../memories/dto/memory.response.js';

export class SearchResultResponse {
  @ApiProperty({ type: MemoryResponse })
  memory!: MemoryResponse;

  @ApiProperty({ minimum: 0, maximum: 1, description: 'Cosine similarity clamped to 0..1 (1 for tag and time matches)' })
  similarity_score!: number;

  @ApiPropertyOptional({ description: 'Same as similarity_score (GET /api/search only)' })
  relevance_score?: number;

  @ApiProperty({ example: 'Semantic similarity 0.83' })
  relevance_reason!: string;
}

export class SearchResponse {
  @ApiProperty({ type: [SearchResultResponse] })
  results!: SearchResultResponse[];

  @ApiProperty()
  total_found!: number;

  @ApiProperty()
  query!: string;

  @ApiProperty({ enum: ['semantic', 'tag', 'time', 'similar'] })
  search_type!: string;

  @ApiProperty()
  processing_time_ms!: number;
}
