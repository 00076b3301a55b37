import { rankingWeightsOf } from './ranked.js';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { ContentHashPipe } from '../memories/content-hash.pipe.js';
import { SemanticSearchDto, SemanticSearchQuery, SimilarQuery, TagSearchDto, TimeSearchDto } from './dto/search-requests.js';
import { SearchResponse, toSearchResponse } from './dto/search-responses.js';
import { SearchService } from './search.service.js';
import { RequireScope } from '../auth/scopes.js';
import { RequestCaller } from '../auth/caller.decorator.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import type { Caller } from '../spaces/space-access.js';

const DEFAULT_RESULTS = 10;

const SEARCH_DESCRIPTION =
  'hybrid: a keyword (full-text, stemmed) search and a meaning (vector) search over the same filters, fused by reciprocal rank ' +
  '(or weighted scores, MCP_HYBRID_FUSION_METHOD); semantic: meaning only; keyword: words only (no model call, similarity_score 0). ' +
  'similarity_score is always the cosine to the query (similarity_threshold applies to it, except in keyword mode); keyword_score is ' +
  'relative to the best keyword hit; fused_score orders hybrid results; relevance_reason says which legs matched.';
const DEFAULT_TAG_RESULTS = 100;

@ApiTags('search')
@ApiAuthenticated()
@ApiHeader({ name: 'X-Memory-Space', required: false, description: 'One space to search (as space or store); default: every space the key may read' })
@RequireScope('read')
@Controller('api/search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: SearchResponse })
  @ApiOperation({
    summary: 'Search by text: hybrid (keywords and meaning fused, the default), semantic or keyword',
    description: SEARCH_DESCRIPTION,
  })
  async semantic(@Body() dto: SemanticSearchDto, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<SearchResponse> {
    const started = performance.now();
    const { hits, mode, fallbackUsed } = await this.search.search({
      query: dto.query,
      limit: dto.n_results ?? dto.limit ?? DEFAULT_RESULTS,
      threshold: dto.similarity_threshold,
      tags: dto.tags,
      tagMatch: dto.tag_match,
      timeFilter: dto.time_filter,
      after: dto.after,
      before: dto.before,
      mode: dto.mode,
      fallback: dto.fallback,
      space: requestedSpace(dto.space, dto.store, spaceHeader),
      agentId: dto.agent_id,
      includeSuperseded: dto.include_superseded === true,
      rankingWeights: rankingWeightsOf(dto.ranking_weights),
      caller,
    });
    return toSearchResponse(dto.query, mode, started, hits, dto.fallback === true ? { fallbackUsed } : {});
  }

  @Get()
  @ApiOkResponse({ type: SearchResponse })
  @ApiOperation({ summary: 'The same search for GET clients (results also carry relevance_score)', description: SEARCH_DESCRIPTION })
  async semanticGet(@Query() query: SemanticSearchQuery, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<SearchResponse> {
    const started = performance.now();
    const { hits, mode } = await this.search.search({
      query: query.q,
      limit: query.n_results ?? DEFAULT_RESULTS,
      threshold: query.similarity_threshold,
      tags: query.tags,
      mode: query.mode,
      space: requestedSpace(query.space, query.store, spaceHeader),
      caller,
    });
    return toSearchResponse(query.q, mode, started, hits, { relevanceScore: true });
  }

  @Post('by-tag')
  @HttpCode(200)
  @ApiOkResponse({ type: SearchResponse })
  @ApiOperation({ summary: 'Memories carrying any (or all) of the tags, newest first' })
  async byTag(@Body() dto: TagSearchDto, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<SearchResponse> {
    const started = performance.now();
    const hits = await this.search.byTags({
      tags: dto.tags,
      match: dto.match_all ? 'all' : 'any',
      limit: dto.n_results ?? DEFAULT_TAG_RESULTS,
      timeFilter: dto.time_filter,
      space: requestedSpace(dto.space, dto.store, spaceHeader),
      caller,
    });
    return toSearchResponse(dto.tags.join(','), 'tag', started, hits);
  }

  @Post('by-time')
  @HttpCode(200)
  @ApiOkResponse({ type: SearchResponse })
  @ApiOperation({ summary: 'Memories from a natural-language time ("last week"), optionally ranked by meaning' })
  async byTime(@Body() dto: TimeSearchDto, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<SearchResponse> {
    const started = performance.now();
    const hits = await this.search.byTime({
      phrase: dto.query,
      limit: dto.n_results ?? DEFAULT_RESULTS,
      semanticQuery: dto.semantic_query,
      space: requestedSpace(dto.space, dto.store, spaceHeader),
      caller,
    });
    return toSearchResponse(dto.query, 'time', started, hits);
  }

  @Get('similar/:content_hash')
  @ApiOkResponse({ type: SearchResponse })
  @ApiOperation({ summary: 'Memories nearest in meaning to a stored one' })
  async similar(
    @Param('content_hash', ContentHashPipe) hash: string,
    @Query() query: SimilarQuery,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<SearchResponse> {
    const started = performance.now();
    const hits = await this.search.similarTo(hash, query.n_results ?? DEFAULT_RESULTS, caller, requestedSpace(query.space, query.store, spaceHeader));
    return toSearchResponse(hash, 'similar', started, hits);
  }
}
