import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPragmas } from './sqlite-connection.js';

describe('readPragmas: what each connection reads with', () => {
  const names = (pragmas: { name: string; value: string }[]): Record<string, string> => Object.fromEntries(pragmas.map((p) => [p.name, p.value]));

  it('a file up to 512 MB is memory-mapped (256 MiB of it), a larger one is not, and never outside WAL mode; the page cache is 64 MiB', () => {
    assert.deepEqual(names(readPragmas([], 'WAL', 0)), { cache_size: '-65536', mmap_size: '268435456' });
    assert.deepEqual(names(readPragmas([], 'WAL', 266_000_000)), { cache_size: '-65536', mmap_size: '268435456' });
    assert.deepEqual(names(readPragmas([], 'WAL', 2_500_000_000)), { cache_size: '-65536' });
    assert.deepEqual(names(readPragmas([], 'DELETE', 1_000)), { cache_size: '-65536' });
  });

  it("the operator's values win, on every connection", () => {
    const configured = [
      { name: 'mmap_size', value: '0' },
      { name: 'cache_size', value: '-8000' },
      { name: 'synchronous', value: 'NORMAL' },
    ];
    assert.deepEqual(names(readPragmas(configured, 'WAL', 1_000)), { cache_size: '-8000', mmap_size: '0' });
    assert.deepEqual(names(readPragmas([{ name: 'mmap_size', value: '1073741824' }], 'WAL', 2_500_000_000)), { cache_size: '-65536', mmap_size: '1073741824' });
  });
});
