import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

/** Runs a tool from node_modules/.bin-less paths with this Node, in the checkout. */
function run(script: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [resolve(script), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('lint (what `npm run lint` checks, run with the suite so CI enforces it)', () => {
  it('ESLint (typescript-eslint recommended) finds nothing', () => {
    const { status, output } = run('node_modules/eslint/bin/eslint.js', ['.', '--max-warnings', '0']);
    assert.equal(status, 0, output);
  });

  it('every file is formatted by Prettier', () => {
    const { status, output } = run('node_modules/prettier/bin/prettier.cjs', ['--check', '.']);
    assert.equal(status, 0, output);
  });
});
