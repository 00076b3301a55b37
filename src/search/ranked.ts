import { InvalidInputError } from '../common/domain-errors.js';
import type { SearchHit } from './search.service.js';

/** upstream's ranking_weights: how much each signal counts in mode "ranked" (normalized to sum 1). */
export interface RankingWeights {
  semantic: number;
  timeDecay: number;
  accessFrequency: number;
  /** upstream's quality scores; none are kept here, so this signal is 0 for every memory. */
  quality: number;
}

/** Meaning first, then how recent, then how often used: defaults, not tuned on any benchmark. */
export const DEFAULT_RANKING_WEIGHTS: RankingWeights = Object.freeze({ semantic: 0.6, timeDecay: 0.25, accessFrequency: 0.15, quality: 0 });
/** A memory this many days old counts half as recent as a new one. */
export const RECENCY_HALF_LIFE_DAYS = 30;
/** Candidates taken by meaning per result wanted, then reordered; at most RANKED_MAX_CANDIDATES. */
export const RANKED_CANDIDATES_PER_RESULT = 3;
export const RANKED_MAX_CANDIDATES = 100;

/** upstream's ranking_weights as clients send them (REST and MCP). */
export interface RankingWeightsWire {
  semantic?: number;
  time_decay?: number;
  access_frequency?: number;
  quality?: number;
}

/** The wire's snake-case weights as the service takes them. */
export function rankingWeightsOf(wire: RankingWeightsWire | null | undefined): Partial<RankingWeights> | null {
  if (!wire) return null;
  return { semantic: wire.semantic, timeDecay: wire.time_decay, accessFrequency: wire.access_frequency, quality: wire.quality };
}

/** The weights given (missing ones default), normalized to sum 1; all zero is refused. */
export function rankingWeights(given?: Partial<RankingWeights> | null): RankingWeights {
  const weights = { ...DEFAULT_RANKING_WEIGHTS, ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined)) };
  const sum = weights.semantic + weights.timeDecay + weights.accessFrequency + weights.quality;
  if (!(sum > 0)) throw InvalidInputError.field('ranking_weights', 'give at least one weight above 0');
  return {
    semantic: weights.semantic / sum,
    timeDecay: weights.timeDecay / sum,
    accessFrequency: weights.accessFrequency / sum,
    quality: weights.quality / sum,
  };
}

/**
 * Reorders hits found by meaning by a weighted sum of their similarity, their recency (halving
 * every RECENCY_HALF_LIFE_DAYS from creation) and how often they were returned before (log
 * scale, relative to the most used candidate); the score goes in fusedScore, the parts in reason.
 */
export function rankHits(hits: readonly SearchHit[], weights: RankingWeights, now: number): SearchHit[] {
  const maxAccess = Math.max(0, ...hits.map((hit) => hit.memory.accessCount ?? 0));
  const scored = hits.map((hit) => {
    const ageDays = Math.max(0, now - hit.memory.createdAt) / 86_400;
    const recency = 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS);
    const access = maxAccess === 0 ? 0 : Math.log1p(hit.memory.accessCount ?? 0) / Math.log1p(maxAccess);
    const score = weights.semantic * hit.similarity + weights.timeDecay * recency + weights.accessFrequency * access;
    return {
      ...hit,
      fusedScore: Math.round(score * 1e4) / 1e4,
      reason: `ranked: meaning ${hit.similarity.toFixed(2)}, recency ${recency.toFixed(2)}, use ${access.toFixed(2)}`,
    };
  });
  return scored.sort((a, b) => b.fusedScore - a.fusedScore || b.similarity - a.similarity);
}
