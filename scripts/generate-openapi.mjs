#!/usr/bin/env node
// `npm run openapi`: writes the server's OpenAPI document to openapi.json (checked in; the test
// suite fails when it differs from what the server serves). Starts the built server on a free
// loopback port with a throwaway database, reads /openapi.json, stops it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
const server = spawn(process.execPath, ['dist/src/cli/main.js', 'serve'], {
  env: {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MCP_MDNS_ENABLED: 'false',
    MCP_HTTP_PORT: '0',
    MCP_LOG_FORMAT: 'json',
    MCP_MEMORY_SQLITE_PATH: join(dir, 'memory.db'),
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
try {
  const url = await new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    server.stderr.on('data', (chunk) => (err += chunk));
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (match) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`the server exited with ${code} before listening: ${err}`)));
  });
  const document = await (await fetch(`${url}/openapi.json`)).json();
  writeFileSync('openapi.json', `${JSON.stringify(document, null, 2)}\n`);
  console.log(`openapi.json: ${Object.keys(document.paths).length} paths, version ${document.info.version}`);
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
