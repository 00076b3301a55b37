import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Memory } from '../storage/memory.js';
import type { Candidate } from './fusion.js';
import { loadConfig } from '../config/app-config.js';
import { ConfigError } from '../config/env-readers.js';
import { FEATURES } from '../config/search-config.js';
import { featuresOf, TRAINED_WEIGHTS } from './learned-fusion.js';

const memory: Memory = { contentHash: 'h', space: 'default', content: 'c', tags: [], memoryType: null, metadata: {}, createdAt: 1, updatedAt: 1 };

describe('learned fusion', () => {
  it('features stay within 0..1, and a candidate one leg did not find scores 0 for that leg', () => {
    const both: Candidate = {
      memory,
      similarity: 0.6,
      semanticRank: 2,
      keywordRank: 4,
      keywordScore: 0.5,
      keywordEvidence: 0.4,
      rarestMatch: 0.8,
      coverage: 0.5,
      foundEvidence: 0.5,
      identifierMatch: 1,
      nameMatch: 1,
    };
    for (const [name, value] of Object.entries(featuresOf(both))) assert.ok(value >= 0 && value <= 1, `${name} = ${value}`);
    const meaningOnly = featuresOf({ memory, similarity: 0.6, semanticRank: 1, keywordRank: null, keywordScore: null });
    assert.equal(meaningOnly.keyword_place, 0);
    assert.equal(meaningOnly.evidence, 0);
    assert.equal(meaningOnly.semantic_place, 1);
  });

  it('ships a finite weight for every feature', () => {
    assert.deepEqual(Object.keys(TRAINED_WEIGHTS).sort(), [...FEATURES].sort());
    for (const value of Object.values(TRAINED_WEIGHTS)) assert.ok(Number.isFinite(value));
  });

  it('reads configured weights (MCP_HYBRID_FUSION_WEIGHTS): features left out weigh 0; anything else is refused with the reason', () => {
    const weights = loadConfig({ MCP_HYBRID_FUSION_WEIGHTS: '{"similarity": 2, "name": -0.5}' }).search.fusion.weights!;
    assert.equal(weights.similarity, 2);
    assert.equal(weights.name, -0.5);
    assert.equal(weights.keyword_place, 0);
    const refusal = (json: string): string => {
      try {
        loadConfig({ MCP_HYBRID_FUSION_WEIGHTS: json });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
      }
      return assert.fail(`${json} was accepted`);
    };
    assert.match(refusal('{"similarty": 1}'), /unknown feature "similarty"/);
    assert.match(refusal('{"similarity": "1"}'), /not a finite number/);
    assert.match(refusal('[1, 2]'), /not a JSON object/);
    assert.match(refusal('similarity=1'), /not JSON/);
  });
});
