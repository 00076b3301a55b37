import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { contentHash } from './content-hash.js';
import { normalizeTags, parseTagList } from './tags.js';

describe('contentHash', () => {
  it('is the SHA-256 hex of the trimmed, lower-cased content (the upstream rule)', () => {
    const expected = createHash('sha256').update('hello world').digest('hex');
    assert.equal(contentHash('  Hello World \n'), expected);
    assert.equal(contentHash('hello world'), expected);
    assert.match(contentHash('x'), /^[0-9a-f]{64}$/);
  });

  it('hashes non-ASCII text as UTF-8', () => {
    assert.equal(contentHash('Ünïcødé 🚀'), createHash('sha256').update('ünïcødé 🚀', 'utf8').digest('hex'));
  });
});

describe('tag normalization', () => {
  it('trims, lower-cases, de-duplicates and drops empty tags, keeping first-seen order', () => {
    assert.deepEqual(normalizeTags([' Deploy', 'prod', 'DEPLOY', '', '  ', 'Prod ']), ['deploy', 'prod']);
    assert.deepEqual(normalizeTags(null), []);
  });

  it('splits comma lists from query strings', () => {
    assert.deepEqual(parseTagList('a, B ,,c,a'), ['a', 'b', 'c']);
    assert.deepEqual(parseTagList(undefined), []);
  });
});
