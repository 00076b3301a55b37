#!/usr/bin/env node
// Builds dist/ with tsc. npm's "prepare" step runs it, so `npm install` in a checkout builds and
// `node examples/http-mcp-bridge.js` and `mcp-memory` work right after; `npm start` runs it with
// --if-stale and starts from the built output at once when no source changed since the last build.
// Where the sources are not there yet (the Docker build installs dependencies before copying them)
// there is nothing to build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const STAMP = 'dist/.tsbuildinfo';
const INPUTS = ['src', 'test', 'bench', 'tsconfig.json', 'package.json'];

/** The newest modification time under the given files and directories. */
function newest(paths) {
  let latest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    latest = Math.max(latest, stat.isDirectory() ? newest(readdirSync(path).map((name) => join(path, name))) : stat.mtimeMs);
  }
  return latest;
}

if (!existsSync('src') || !existsSync('tsconfig.json')) process.exit(0);
if (process.argv.includes('--if-stale') && existsSync(STAMP) && statSync(STAMP).mtimeMs >= newest(INPUTS)) process.exit(0);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
// tsc leaves its build info untouched when nothing changed: mark this build as the newest.
if (status === 0 && existsSync(STAMP)) utimesSync(STAMP, new Date(), new Date());
process.exit(status ?? 1);
