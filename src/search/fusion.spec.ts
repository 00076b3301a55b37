import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Memory } from '../storage/memory.js';
import { type Candidate, fuse, type FusionSettings } from './fusion.js';
import { FEATURES, type FusionWeights } from '../config/search-config.js';

const memory = (hash: string): Memory => ({
  contentHash: hash,
  space: 'default',
  content: hash,
  tags: [],
  memoryType: null,
  metadata: {},
  createdAt: 1,
  updatedAt: 1,
});
const settings = (method: FusionSettings['method']): FusionSettings => ({ method, rrfK: 60, keywordWeight: 0.7, semanticWeight: 0.3 });

describe('fusion of the keyword and meaning legs', () => {
  // The question "when does the wireless network passphrase change?": one memory shares only the
  // ordinary word "network" (keyword rank 1, little evidence); the answer is first by meaning.
  const byMeaning: Candidate = { memory: memory('wifi-password'), similarity: 0.55, semanticRank: 1, keywordRank: null, keywordScore: null };
  const oneOrdinaryWord: Candidate = {
    memory: memory('network-switches'),
    similarity: 0.2,
    semanticRank: null,
    keywordRank: 1,
    keywordScore: 1,
    keywordEvidence: 0.15,
  };
  const allTheWords: Candidate = { ...oneOrdinaryWord, memory: memory('all-words'), keywordEvidence: 1 };

  it('rrf gives a keyword first place more than a first place by meaning, whatever matched', () => {
    assert.deepEqual(
      fuse([byMeaning, oneOrdinaryWord], settings('rrf')).map((c) => c.memory.contentHash),
      ['network-switches', 'wifi-password'],
    );
  });

  it('learned (the shipped weights) lets one ordinary word lose to meaning, and a memory with all the words win', () => {
    const learned = settings('learned');
    const ordinary = { ...oneOrdinaryWord, rarestMatch: 0.3, coverage: 0.25, foundEvidence: 0.3, englishEvidence: 0.2, englishRarest: 0.4 };
    assert.deepEqual(
      fuse([byMeaning, ordinary], learned).map((c) => c.memory.contentHash),
      ['wifi-password', 'network-switches'],
    );
    const all = { ...allTheWords, similarity: 0.45, rarestMatch: 0.6, coverage: 1, foundEvidence: 1, englishEvidence: 1, englishRarest: 0.6 };
    assert.deepEqual(
      fuse([byMeaning, all], learned).map((c) => c.memory.contentHash),
      ['all-words', 'wifi-password'],
    );
  });

  it('learned: an identifier or a name the question gives outranks a closer meaning', () => {
    const learned = settings('learned');
    const near: Candidate = { ...byMeaning, similarity: 0.5 };
    const identifier = { ...oneOrdinaryWord, memory: memory('has-identifier'), similarity: 0.35, keywordRank: 2, identifierMatch: 1 };
    assert.equal(fuse([near, identifier], learned)[0]!.memory.contentHash, 'has-identifier');
    const name = { ...oneOrdinaryWord, memory: memory('names-amara'), similarity: 0.35, keywordRank: 2, nameMatch: 1 };
    assert.equal(fuse([near, name], learned)[0]!.memory.contentHash, 'names-amara');
  });

  it('learned with configured weights: only what they weigh counts', () => {
    const bySimilarity = { ...settings('learned'), weights: { ...Object.fromEntries(FEATURES.map((f) => [f, 0])), similarity: 1 } as FusionWeights };
    assert.deepEqual(
      fuse([oneOrdinaryWord, byMeaning], bySimilarity).map((c) => c.memory.contentHash),
      ['wifi-password', 'network-switches'],
    );
  });
});
