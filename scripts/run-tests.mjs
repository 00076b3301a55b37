#!/usr/bin/env node
// Runs every compiled test file with Node's test runner and ends with the plain summary line
// "tests: N passed, N failed, N skipped" taken from the runner's own counts (cancelled tests,
// e.g. a file that timed out, count as failed).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = ['dist/src', 'dist/test'];
const filter = process.argv.slice(2);

function findSpecs(dir) {
  let found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(findSpecs(path));
    else if (name.endsWith('.spec.js')) found.push(path);
  }
  return found;
}

const files = roots
  .flatMap((root) => findSpecs(root))
  .filter((file) => filter.length === 0 || filter.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('No test files found; run "npm run build" first');
  process.exit(1);
}

// Each file runs in its own process and must finish within the timeout. The heaviest files (the
// 100,000-memory scale test, the docs test that installs and serves as the docs say) take minutes
// on a loaded 2-core machine; every wait inside a test has its own, tighter bound.
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=600000', '--test-reporter=spec', ...files], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, MCP_MDNS_ENABLED: 'false' },
});
let output = '';
child.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  const count = (label) => {
    const matches = [...output.matchAll(new RegExp(`^\\S*\\s*${label} (\\d+)$`, 'gm'))];
    return matches.length === 0 ? null : Number(matches.at(-1)[1]);
  };
  const passed = count('pass');
  const failed = count('fail');
  const cancelled = count('cancelled') ?? 0;
  // Skipped tests and whole skipped suites (a suite skipped for lack of Chromium or PostgreSQL
  // lists no tests, so the runner's own "skipped" count would miss it); each prints its reason.
  const skipped = [...output.matchAll(/^\s*\u{FE63} /gmu)].length + (count('todo') ?? 0);
  console.log(`\n${files.length} test files: ${files.map((f) => relative('dist', f)).join(', ')}`);
  if (passed === null || failed === null) {
    console.log('tests: 0 passed, 1 failed');
    process.exit(code || 1);
  }
  console.log(`tests: ${passed} passed, ${failed + cancelled} failed, ${skipped} skipped`);
  process.exit(code ?? 1);
});
