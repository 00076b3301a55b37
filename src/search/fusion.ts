import type { Memory } from '../storage/memory.js';

export type FusionMethod = 'rrf' | 'weighted_average' | 'evidence';

export interface FusionSettings {
  method: FusionMethod;
  /** Reciprocal rank fusion's k. */
  rrfK: number;
  /** Normalized: keywordWeight + semanticWeight = 1. */
  keywordWeight: number;
  semanticWeight: number;
}

/** One candidate from either leg, by content hash. */
export interface Candidate {
  memory: Memory;
  /** Cosine similarity to the query (0..1), when known. */
  similarity: number | null;
  /** 1-based rank in the semantic leg, or null. */
  semanticRank: number | null;
  /** 1-based rank in the keyword leg, or null. */
  keywordRank: number | null;
  /** The keyword leg's relevance relative to its best hit (0..1], or null. */
  keywordScore: number | null;
  /** Share of the query's identifiers (ports, hosts, codes, versions) the memory contains. */
  identifierMatch?: number;
  /**
   * Share of the query's evidence the memory's words carry (the inverse document frequency of the
   * terms it matches over that of all the query's terms), for the `evidence` method.
   */
  keywordEvidence?: number;
}

export interface FusedCandidate extends Candidate {
  fusedScore: number;
}

/**
 * Combines the two legs into one ranking. Reciprocal rank fusion (default) adds
 * weight / (k + rank) from each leg a memory appears in; weighted-score fusion adds
 * weight × score (cosine, and the keyword score relative to the best keyword hit); `evidence` is
 * reciprocal rank fusion whose keyword place counts as much as the memory's words are evidence
 * (one ordinary word shared with the question says little, its rare words or all of it a lot).
 * A memory that contains the question's identifiers gets a boost worth a first keyword place.
 * Ties go to the memory closer in meaning, then to the newer one.
 */
export function fuse(candidates: Iterable<Candidate>, settings: FusionSettings): FusedCandidate[] {
  const fused = [...candidates].map((c): FusedCandidate => {
    const byRank = settings.method !== 'weighted_average';
    const keywordSay = settings.method === 'evidence' ? (c.keywordEvidence ?? 1) : 1;
    const fusedScore = byRank
      ? (c.semanticRank === null ? 0 : settings.semanticWeight / (settings.rrfK + c.semanticRank)) +
        (c.keywordRank === null ? 0 : (settings.keywordWeight * keywordSay) / (settings.rrfK + c.keywordRank))
      : settings.semanticWeight * (c.similarity ?? 0) + settings.keywordWeight * (c.keywordScore ?? 0);
    // Worth a first place in the keyword leg (by rank) or a full keyword score (weighted).
    const identifierBoost = (c.identifierMatch ?? 0) * settings.keywordWeight * (byRank ? 1 / (settings.rrfK + 1) : 1);
    return { ...c, fusedScore: fusedScore + identifierBoost };
  });
  return fused.sort((a, b) => b.fusedScore - a.fusedScore || (b.similarity ?? 0) - (a.similarity ?? 0) || b.memory.createdAt - a.memory.createdAt);
}
