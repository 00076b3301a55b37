import { ApiProperty } from '@nestjs/swagger';
import { MemoryResponse, toMemoryResponse } from '../../memories/dto/memory.response.js';
import type { Memory } from '../../storage/memory.js';
import type { Conflict, NearDuplicates } from '../consolidation.service.js';
import type { NearDuplicateCluster } from '../near-duplicates.js';

export class MergeMemoriesResponse {
  @ApiProperty()
  success!: boolean;

  @ApiProperty()
  message!: string;

  @ApiProperty({ description: 'The merged memory' })
  content_hash!: string;

  @ApiProperty({ type: MemoryResponse })
  memory!: MemoryResponse;

  @ApiProperty({ type: [String], description: 'The memories it supersedes (hidden from reads, kept in its history)' })
  merged_hashes!: string[];
}

export class ResolveConflictResponse {
  @ApiProperty()
  success!: boolean;

  @ApiProperty()
  message!: string;

  @ApiProperty()
  winner_hash!: string;

  @ApiProperty()
  loser_hash!: string;

  @ApiProperty({ type: MemoryResponse, description: 'The loser, now superseded by the winner' })
  loser!: MemoryResponse;
}

/** What a look for near-duplicates covered. */
class LookResponse {
  @ApiProperty({ description: 'Memories examined (newest first)' })
  memory_count!: number;

  @ApiProperty({ description: 'false when the window holds more memories than were examined (raise limit, or narrow the space or time horizon)' })
  examined_all!: boolean;

  @ApiProperty({ description: 'Pairs at least this similar were counted' })
  similarity_threshold!: number;
}

export class NearDuplicateClusterResponse {
  @ApiProperty()
  space!: string;

  @ApiProperty({ description: 'The least similar pair inside the cluster' })
  similarity_min!: number;

  @ApiProperty({ description: 'The most similar pair inside the cluster' })
  similarity_max!: number;

  @ApiProperty({ type: [MemoryResponse], description: 'Newest first' })
  memories!: MemoryResponse[];
}

export class RecommendationsResponse extends LookResponse {
  @ApiProperty({ enum: ['consolidation_beneficial', 'no_action'], description: "Upstream's field: whether there is anything to merge" })
  recommendation!: 'consolidation_beneficial' | 'no_action';

  @ApiProperty({ type: String, nullable: true, description: 'The time horizon examined (null: any time)' })
  time_horizon!: string | null;

  @ApiProperty({ type: [String] })
  reasons!: string[];

  @ApiProperty({ type: [NearDuplicateClusterResponse], description: 'Groups of near-duplicates, largest first: candidates for a merge' })
  clusters!: NearDuplicateClusterResponse[];
}

export class ConflictResponse {
  @ApiProperty()
  space!: string;

  @ApiProperty()
  similarity!: number;

  @ApiProperty({ type: MemoryResponse, description: 'The newer of the two' })
  memory_a!: MemoryResponse;

  @ApiProperty({ type: MemoryResponse, description: 'The older of the two' })
  memory_b!: MemoryResponse;

  @ApiProperty({ type: [String], description: 'Words only memory_a has (up to 10)' })
  only_in_a!: string[];

  @ApiProperty({ type: [String], description: 'Words only memory_b has (up to 10)' })
  only_in_b!: string[];
}

export class ConflictsResponse extends LookResponse {
  @ApiProperty({ type: [ConflictResponse], description: 'Most similar first' })
  conflicts!: ConflictResponse[];

  @ApiProperty()
  total!: number;
}

export function toMergeResponse({ memory, merged }: { memory: Memory; merged: Memory[] }): MergeMemoriesResponse {
  return {
    success: true,
    message: `Merged ${merged.length} memories into one; they are superseded by it`,
    content_hash: memory.contentHash,
    memory: toMemoryResponse(memory),
    merged_hashes: merged.map((source) => source.contentHash),
  };
}

export function toResolveResponse({ winner, loser }: { winner: Memory; loser: Memory }): ResolveConflictResponse {
  return {
    success: true,
    message: `Kept ${winner.contentHash}; ${loser.contentHash} is superseded by it`,
    winner_hash: winner.contentHash,
    loser_hash: loser.contentHash,
    loser: toMemoryResponse(loser),
  };
}

/** Similarities as the store's near-duplicates give them: four decimals. */
const rounded = (similarity: number): number => Math.round(similarity * 1e4) / 1e4;

const lookFields = (found: Omit<NearDuplicates, 'pairs'>): LookResponse => ({
  memory_count: found.examined,
  examined_all: found.complete,
  similarity_threshold: found.threshold,
});

export function toRecommendationsResponse(found: NearDuplicates & { clusters: NearDuplicateCluster[] }, timeHorizon: string | null): RecommendationsResponse {
  const grouped = found.clusters.reduce((sum, cluster) => sum + cluster.memories.length, 0);
  return {
    ...lookFields(found),
    recommendation: found.clusters.length > 0 ? 'consolidation_beneficial' : 'no_action',
    time_horizon: timeHorizon,
    reasons:
      found.clusters.length > 0
        ? [
            `${found.clusters.length} group(s) of near-duplicates (${grouped} memories) at similarity >= ${found.threshold}: merge each into one (memory_consolidate action "merge", POST /api/consolidation/merge), or keep one (memory_resolve)`,
          ]
        : [`No near-duplicates at similarity >= ${found.threshold} among the ${found.examined} memories examined`],
    clusters: found.clusters.map((cluster) => ({
      space: cluster.space,
      similarity_min: rounded(cluster.similarityMin),
      similarity_max: rounded(cluster.similarityMax),
      memories: cluster.memories.map(toMemoryResponse),
    })),
  };
}

export function toConflictsResponse(found: Omit<NearDuplicates, 'pairs'> & { conflicts: Conflict[] }): ConflictsResponse {
  return {
    ...lookFields(found),
    conflicts: found.conflicts.map((conflict) => ({
      space: conflict.a.space,
      similarity: rounded(conflict.similarity),
      memory_a: toMemoryResponse(conflict.a),
      memory_b: toMemoryResponse(conflict.b),
      only_in_a: conflict.onlyInA,
      only_in_b: conflict.onlyInB,
    })),
    total: found.conflicts.length,
  };
}
