import { FEATURES, type Feature, type FusionWeights } from '../config/search-config.js';
import type { Candidate } from './fusion.js';

export function featuresOf(c: Candidate): Record<Feature, number> {
  const similarity = c.similarity ?? 0;
  const keywordPlace = c.keywordRank === null ? 0 : 1 / c.keywordRank;
  return {
    similarity,
    semantic_place: c.semanticRank === null ? 0 : 1 / c.semanticRank,
    keyword_place: keywordPlace,
    keyword_score: c.keywordScore ?? 0,
    evidence: c.keywordEvidence ?? 0,
    rarest_match: c.rarestMatch ?? 0,
    coverage: c.coverage ?? 0,
    identifier: c.identifierMatch ?? 0,
    keyword_place_x_rarest: keywordPlace * (c.rarestMatch ?? 0),
    found_evidence: c.foundEvidence ?? 0,
    name: c.nameMatch ?? 0,
    keyword_place_x_evidence: keywordPlace * (c.keywordEvidence ?? 0),
    english_evidence: c.englishEvidence ?? 0,
    english_rarest: c.englishRarest ?? 0,
  };
}

export function learnedScore(features: Readonly<Record<Feature, number>>, weights: FusionWeights): number {
  return FEATURES.reduce((sum, name) => sum + features[name] * weights[name], 0);
}

/**
 * Weights for the `learned` method, as printed by `node dist/bench/quality/train-fusion.js`
 * (bench/quality/train-fusion.ts): fitted on the own set's tuning half only; the held-out half and
 * DevBench say whether they help (docs/benchmarks.md). MCP_HYBRID_FUSION_WEIGHTS replaces them.
 */
export const TRAINED_WEIGHTS: FusionWeights = Object.freeze({
  similarity: 10.776,
  semantic_place: 1.915,
  keyword_place: 2.74,
  keyword_score: -0.345,
  evidence: 4.812,
  rarest_match: -2.4,
  coverage: 1.344,
  identifier: 5.191,
  keyword_place_x_rarest: -1.758,
  found_evidence: 0.882,
  name: 4.042,
  keyword_place_x_evidence: -4.715,
  english_evidence: 6.354,
  english_rarest: -1.976,
});
