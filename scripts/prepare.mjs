#!/usr/bin/env node
// npm's "prepare" step: `npm install` in a checkout builds dist/, so `node
// examples/http-mcp-bridge.js` and `mcp-memory` work right after it. Where the sources are not
// there yet (the Docker build installs dependencies before copying them) there is nothing to build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

if (!existsSync('src') || !existsSync('tsconfig.json')) process.exit(0);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
process.exit(status ?? 1);
