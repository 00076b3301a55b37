import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keywordTerms, matchedTerms, queryNames } from './keyword-terms.js';

describe('keyword terms of a question', () => {
  it('keeps identifiers whole, drops stop words and question scaffolding, and pairs adjacent meaningful words', () => {
    assert.deepEqual(keywordTerms('How does MCP_INIT_TIMEOUT work on 10.0.0.5?'), ['mcp_init_timeout', '10.0.0.5']);
    assert.deepEqual(keywordTerms('which embedding model?'), ['embedding', 'model', 'embedding model']);
  });

  it('reads a possessive as its noun, so a memory that names the person matches ("Amara\'s dog" asks about Amara)', () => {
    assert.deepEqual(keywordTerms("What is the name of Amara's dog?"), ['name', 'amara', 'dog', 'amara dog']);
    assert.deepEqual(keywordTerms('Chiara\u2019s parrot'), ['chiara', 'parrot', 'chiara parrot']);
    // An apostrophe inside a word that is no possessive stays.
    assert.deepEqual(keywordTerms("O'Brien's rock'n'roll"), ["o'brien", "rock'n'roll", "o'brien rock'n'roll"]);
    assert.deepEqual(matchedTerms(['amara', 'dog'], 'Amara: we adopted a dog called Biscuit', []), ['amara', 'dog']);
  });

  it('takes capitalized words that do not start a sentence as the names a question mentions', () => {
    assert.deepEqual(queryNames('Which pastime did Amara pick up to unwind?'), ['amara']);
    assert.deepEqual(queryNames("When did Caroline meet O'Brien's sister? Then Bob left."), ['caroline', "o'brien", 'bob']);
    assert.deepEqual(queryNames('What did the team decide about caching?'), []);
    // A capitalized stop word is no name.
    assert.deepEqual(queryNames('How often is the wifi password changed? The IT desk knows.'), []);
  });
});
