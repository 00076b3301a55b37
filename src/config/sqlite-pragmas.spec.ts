import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSqlitePragmas, PragmaParseError } from './sqlite-pragmas.js';

describe('parseSqlitePragmas', () => {
  it('parses the documented example into normalized name/value pairs', () => {
    const pragmas = parseSqlitePragmas('cache_size=20000,temp_store=MEMORY,mmap_size=268435456,synchronous=normal,wal_autocheckpoint=1000');
    assert.deepEqual(pragmas, [
      { name: 'cache_size', value: '20000' },
      { name: 'temp_store', value: 'MEMORY' },
      { name: 'mmap_size', value: '268435456' },
      { name: 'synchronous', value: 'NORMAL' },
      { name: 'wal_autocheckpoint', value: '1000' },
    ]);
  });

  it('returns nothing for an unset or blank value and tolerates spaces', () => {
    assert.deepEqual(parseSqlitePragmas(undefined), []);
    assert.deepEqual(parseSqlitePragmas('  '), []);
    assert.deepEqual(parseSqlitePragmas(' cache_size = -2000 , '), [{ name: 'cache_size', value: '-2000' }]);
  });

  it('rejects unknown pragma names', () => {
    assert.throws(() => parseSqlitePragmas('writable_schema=1'), PragmaParseError);
    assert.throws(() => parseSqlitePragmas('journal_mode=DELETE'), /unknown pragma "journal_mode"/);
  });

  it('rejects values outside each pragma grammar, including SQL injection attempts', () => {
    assert.throws(() => parseSqlitePragmas('cache_size=1; DROP TABLE memories'), /cache_size/);
    assert.throws(() => parseSqlitePragmas('synchronous=SOMETIMES'), /synchronous/);
    assert.throws(() => parseSqlitePragmas('mmap_size=-1'), /mmap_size/);
    assert.throws(() => parseSqlitePragmas('temp_store'), /name=value/);
    assert.throws(() => parseSqlitePragmas('busy_timeout=99999999'), /busy_timeout/);
  });
});
