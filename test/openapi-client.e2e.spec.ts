import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'typed-client-key';

/** What an integrator writes: store, search and delete through a client generated from the document. */
const PROGRAM = `
import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const [baseUrl, key] = process.argv.slice(2);
const client = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${key}\` } });

const stored = await client.POST('/api/memories', {
  body: { content: 'The typed client stores this note about the nightly ETL job', tags: ['typed', 'etl'], metadata: { source: 'openapi-fetch' } },
  params: { header: { 'X-Agent-ID': 'typed-client' } },
});
if (stored.data === undefined || !stored.data.success) throw new Error(\`store failed: \${JSON.stringify(stored.error)}\`);
const hash: string = stored.data.content_hash;

const found = await client.POST('/api/search', { body: { query: 'nightly ETL job', n_results: 3, similarity_threshold: 0.1, mode: 'hybrid' } });
const first = found.data?.results[0];
if (first === undefined) throw new Error('search found nothing');
const score: number = first.similarity_score;

const listed = await client.GET('/api/memories', { params: { query: { page: 1, page_size: 10, tag: ['typed'] } } });
const total: number = listed.data?.total ?? -1;

const deleted = await client.DELETE('/api/memories/{content_hash}', { params: { path: { content_hash: hash } } });
const missing = await client.GET('/api/memories/{content_hash}', { params: { path: { content_hash: hash } } });
console.log(JSON.stringify({ hash, found: first.memory.content_hash, score, total, deleted: deleted.data?.success, missing: missing.response.status, detail: missing.error?.detail }));
`;

/** A number where the document says number is the whole point: a string there must not compile. */
const WRONG_PROGRAM = `
import createClient from 'openapi-fetch';
import type { paths } from './api.js';
const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:1' });
await client.POST('/api/search', { body: { query: 'x', n_results: 'three' } });
`;

describe('OpenAPI: checked-in document and a generated typed client (openapi-typescript + openapi-fetch)', () => {
  let server: TestServer;
  let dir: string;
  let served: Record<string, unknown>;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    served = (await (await fetch(`${server.url}/openapi.json`)).json()) as Record<string, unknown>;
    dir = mkdtempSync(join(tmpdir(), 'typed-client-'));
    symlinkSync(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dir, 'api.d.ts'), astToString(await openapiTS(served as never)));
  });

  after(async () => {
    await server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the served document is the checked-in openapi.json (run "npm run openapi" after changing the API)', () => {
    const checkedIn = JSON.parse(readFileSync('openapi.json', 'utf8')) as Record<string, unknown>;
    assert.deepEqual(served, checkedIn, 'openapi.json is out of date: run npm run openapi and commit it');
  });

  it('every operation has a meaningful id, public ones say security: [], and there is a server entry', () => {
    const doc = served as { paths: Record<string, Record<string, { operationId?: string; security?: unknown[] }>>; servers?: unknown[] };
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    assert.ok(
      ids.every((id) => id !== undefined && /^[a-z][A-Za-z]+$/.test(id)),
      `bad operationIds: ${ids.join(', ')}`,
    );
    assert.equal(new Set(ids).size, ids.length, 'duplicate operationIds');
    assert.deepEqual(doc.paths['/api/health']!.get!.security, []);
    assert.ok((doc.servers ?? []).length > 0);
    const store = doc.paths['/api/memories']!.post as unknown as { parameters: { name: string; required?: boolean }[] };
    assert.deepEqual(
      store.parameters.map((p) => [p.name.toLowerCase(), p.required ?? false]),
      [
        ['x-memory-space', false],
        ['x-agent-id', false],
      ],
    );
  });

  it("passes Redocly's recommended lint rules without errors", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(served), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    assert.deepEqual(errors, []);
  });

  it('a program using the generated client type-checks under strict, then stores, searches and deletes against the server', async () => {
    writeFileSync(join(dir, 'program.ts'), PROGRAM);
    const tsc = resolve('node_modules/typescript/bin/tsc');
    const args = ['--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--outDir', join(dir, 'out')];
    const compiled = spawnSync(process.execPath, [tsc, ...args, join(dir, 'program.ts')], { cwd: dir, encoding: 'utf8' });
    assert.equal(compiled.status, 0, compiled.stdout + compiled.stderr);
    // Asynchronously: the server under test runs in this process and must keep answering.
    const { stdout: output } = await promisify(execFile)(process.execPath, [join(dir, 'out', 'program.js'), server.url, KEY], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const result = JSON.parse(output) as { hash: string; found: string; score: number; total: number; deleted: boolean; missing: number; detail: string };
    assert.equal(result.found, result.hash);
    assert.ok(result.score > 0 && result.score <= 1);
    assert.equal(result.total, 1);
    assert.equal(result.deleted, true);
    assert.equal(result.missing, 404);
    assert.match(result.detail, /not found/i);
  });

  it('the same client refuses, at compile time, a string where the document says integer', () => {
    writeFileSync(join(dir, 'wrong.ts'), WRONG_PROGRAM);
    const tsc = resolve('node_modules/typescript/bin/tsc');
    const compiled = spawnSync(
      process.execPath,
      [tsc, '--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', join(dir, 'wrong.ts')],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.notEqual(compiled.status, 0);
    assert.match(compiled.stdout, /wrong\.ts.*error TS2322/);
  });
});
