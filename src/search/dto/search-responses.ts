import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MemoryResponse, toMemoryResponse } from '../../memories/dto/memory.response.js';
import type { MatchMethod, SearchHit } from '../search.service.js';

export class SearchResultResponse {
  @ApiProperty({ type: MemoryResponse })
  memory!: MemoryResponse;

  @ApiProperty({ minimum: 0, maximum: 1, description: 'Cosine similarity to the query clamped to 0..1 (0 in keyword mode; 1 for tag and time matches)' })
  similarity_score!: number;

  @ApiPropertyOptional({ description: 'GET /api/search only: fused_score in hybrid mode, keyword_score in keyword mode, else similarity_score' })
  relevance_score?: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 0,
    maximum: 1,
    description: 'Keyword relevance relative to the best keyword hit; null when the keywords did not match',
  })
  keyword_score!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: "The fused score that orders hybrid results, 0..1 (learned fusion: the memory's share among the question's candidates); null in other modes",
  })
  fused_score!: number | null;

  @ApiProperty({ example: 'semantic 0.61; keywords: staging' })
  relevance_reason!: string;

  @ApiPropertyOptional({ enum: ['exact_fallback', 'tag_fallback'], description: 'How the fallback found it (absent: found by the search itself)' })
  match_method?: MatchMethod;

  @ApiPropertyOptional({
    description:
      'The sentence of a long memory closest in meaning to the query, when it was closer than the whole text (a memory over 1,000 characters is searched sentence by sentence)',
  })
  matched_passage?: string;
}

export class SearchResponse {
  @ApiProperty({ type: [SearchResultResponse] })
  results!: SearchResultResponse[];

  @ApiProperty()
  total_found!: number;

  @ApiProperty()
  query!: string;

  @ApiProperty({ enum: ['hybrid', 'semantic', 'keyword', 'tag', 'time', 'similar'], description: 'Which search ran' })
  search_type!: string;

  @ApiProperty()
  processing_time_ms!: number;

  @ApiPropertyOptional({ description: 'Whether the fallback ran (only when fallback was asked for)' })
  fallback_used?: boolean;
}

export interface SearchResponseOptions {
  /** GET /api/search also reports relevance_score. */
  relevanceScore?: boolean;
  /** Reported as fallback_used when the request asked for the fallback. */
  fallbackUsed?: boolean;
}

/** The one mapping from search hits to the wire shape, shared by REST and the MCP tools. */
export function toSearchResponse(query: string, searchType: string, started: number, hits: SearchHit[], options: SearchResponseOptions = {}): SearchResponse {
  return {
    results: hits.map((hit) => ({
      memory: toMemoryResponse(hit.memory),
      similarity_score: hit.similarity,
      ...(options.relevanceScore ? { relevance_score: hit.fusedScore ?? hit.keywordScore ?? hit.similarity } : {}),
      keyword_score: hit.keywordScore,
      fused_score: hit.fusedScore,
      relevance_reason: hit.reason,
      ...(hit.matchMethod === undefined ? {} : { match_method: hit.matchMethod }),
      ...(hit.passage === undefined ? {} : { matched_passage: hit.memory.content.slice(hit.passage.start, hit.passage.end) }),
    })),
    total_found: hits.length,
    query,
    search_type: searchType,
    processing_time_ms: Math.round((performance.now() - started) * 100) / 100,
    ...(options.fallbackUsed === undefined ? {} : { fallback_used: options.fallbackUsed }),
  };
}
