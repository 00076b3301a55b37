import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Memory } from '../storage/memory.js';
import { type Candidate, fuse, type FusionSettings } from './fusion.js';

const memory = (hash: string): Memory => ({ contentHash: hash, content: hash, tags: [], memoryType: null, metadata: {}, createdAt: 1, updatedAt: 1 });
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

  it('evidence weighs a keyword place by what the words are worth: one ordinary word loses to meaning, the rare ones win', () => {
    assert.deepEqual(
      fuse([byMeaning, oneOrdinaryWord], settings('evidence')).map((c) => c.memory.contentHash),
      ['wifi-password', 'network-switches'],
    );
    assert.deepEqual(
      fuse([byMeaning, allTheWords], settings('evidence')).map((c) => c.memory.contentHash),
      ['all-words', 'wifi-password'],
    );
  });

  it('evidence without a keyword place is rrf, and the identifier boost still counts', () => {
    const semanticOnly = fuse([byMeaning], settings('evidence'))[0]!;
    assert.equal(semanticOnly.fusedScore, fuse([byMeaning], settings('rrf'))[0]!.fusedScore);
    const withIdentifier = fuse([{ ...oneOrdinaryWord, identifierMatch: 1 }], settings('evidence'))[0]!;
    assert.ok(withIdentifier.fusedScore > fuse([oneOrdinaryWord], settings('evidence'))[0]!.fusedScore);
  });
});
