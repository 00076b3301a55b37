import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPragmas } from './sqlite-connection.js';

describe('readPragmas: what each connection reads with', () => {
  const names = (pragmas: { name: string; value: string }[]): Record<string, string> => Object.fromEntries(pragmas.map((p) => [p.name, p.value]));

  it('a 64 MiB page cache and no memory map (each map would count its pages again in RSS)', () => {
    assert.deepEqual(names(readPragmas([])), { cache_size: '-65536' });
  });

  it("the operator's read pragmas win; others are not read-side", () => {
    const configured = [
      { name: 'mmap_size', value: '1073741824' },
      { name: 'cache_size', value: '-8000' },
      { name: 'synchronous', value: 'NORMAL' },
    ];
    assert.deepEqual(names(readPragmas(configured)), { cache_size: '-8000', mmap_size: '1073741824' });
  });
});
