import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnCli } from './helpers/cli-process.js';
import { ApiClient } from './helpers/http.js';
import { SseReader } from './helpers/sse-reader.js';
import { makeTempDir } from './helpers/test-server.js';

describe('mcp-memory serve (the built CLI as a child process)', () => {
  let dir: string;

  before(() => {
    dir = makeTempDir('cli-test-');
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts on the configured file, logs JSON, serves requests and stops cleanly on SIGTERM, closing event streams', async () => {
    const cli = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_API_KEY: 'cli-key', MCP_MEMORY_SQLITE_PATH: join(dir, 'db', 'memory.db') });
    const url = await cli.listening();
    const api = new ApiClient(url, 'cli-key');
    assert.equal((await api.post('/api/memories', { content: 'stored through the CLI server' })).status, 200);
    assert.equal((await api.get('/api/health')).body.statistics.total_memories, 1);
    const stream = await SseReader.open(`${url}/api/events/stream?api_key=cli-key`);
    await stream.waitFor((r) => r.messages.length === 1);
    const started = Date.now();
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited(), 0);
    assert.ok(Date.now() - started < 5000, 'shutdown took too long');
    await stream.done;
    const lines = cli.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => /Loaded embedding model use-lite \(512-d\) in \d+ ms/.test(String(l.msg))), 'model load not logged');
    assert.ok(lines.some((l) => l.msg === 'request' && l.path === '/api/memories' && l.status === 200));
    assert.ok(!cli.stdout().includes('cli-key'));
  });

  it('stops with exit code 1 and a message naming a bad variable', async () => {
    const cli = spawnCli(['serve'], { MCP_HTTP_PORT: 'not-a-port' });
    assert.equal(await cli.exited(), 1);
    assert.match(cli.stderr(), /MCP_HTTP_PORT/);
    const pragmas = spawnCli(['serve'], { MCP_MEMORY_SQLITE_PRAGMAS: 'cache_size=1;DROP TABLE memories' });
    assert.equal(await pragmas.exited(), 1);
    assert.match(pragmas.stderr(), /MCP_MEMORY_SQLITE_PRAGMAS/);
  });

  it('refuses to listen on all interfaces without a key unless anonymous access is allowed', async () => {
    const cli = spawnCli(['serve'], { MCP_HTTP_HOST: '0.0.0.0', MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: join(dir, 'anon.db') });
    assert.equal(await cli.exited(), 1);
    assert.match(cli.stderr(), /MCP_API_KEY/);
    assert.match(cli.stderr(), /MCP_ALLOW_ANONYMOUS_ACCESS/);
  });

  it('refuses a corrupt database file with a message naming it, and leaves it untouched', async () => {
    const path = join(dir, 'corrupt.db');
    const garbage = Buffer.alloc(8192, 'not a database ');
    writeFileSync(path, garbage);
    const cli = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: path });
    assert.equal(await cli.exited(), 1);
    assert.match(cli.stderr(), new RegExp(path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    assert.match(cli.stderr(), /backup/);
    assert.deepEqual(readFileSync(path), garbage);
  });

  it('rejects an unknown command with usage', async () => {
    const cli = spawnCli(['frobnicate'], {});
    assert.equal(await cli.exited(), 2);
    assert.match(cli.stderr(), /Usage: mcp-memory/);
  });
});
