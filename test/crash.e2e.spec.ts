import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import assert from 'node:assert/strict';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type CliProcess, spawnCli } from './helpers/cli-process.js';
import { databaseFacts as inspect } from './helpers/database-facts.js';
import { callTool, connectStdio, textOf } from './helpers/mcp-client.js';
import { SseReader } from './helpers/sse-reader.js';
import { makeTempDir } from './helpers/test-server.js';
import { waitUntil } from './helpers/wait.js';

/** A store over HTTP: the new memory's hash, or why there is none (the status and answer, or the connection's error). */
async function storeOutcome(url: string, content: string): Promise<{ hash: string } | { failure: string }> {
  try {
    const res = await fetch(`${url}/api/memories`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content }) });
    const text = await res.text();
    if (res.status !== 200) return { failure: `${res.status} ${text.slice(0, 200)}` };
    const body = JSON.parse(text) as { success: boolean; content_hash: string };
    return body.success ? { hash: body.content_hash } : { failure: text.slice(0, 200) };
  } catch (error) {
    return { failure: String((error as Error).cause ?? error) };
  }
}

async function store(url: string, content: string): Promise<string | null> {
  const outcome = await storeOutcome(url, content);
  return 'hash' in outcome ? outcome.hash : null;
}

async function startServer(path: string): Promise<{ cli: CliProcess; url: string }> {
  const cli = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: path });
  return { cli, url: await cli.listening() };
}

describe('crash safety (real processes, real files)', () => {
  it('kill -9 under 20 concurrent writers loses no acknowledged store, at three different moments', async () => {
    const dir = makeTempDir('crash-');
    const path = join(dir, 'memory.db');
    const acknowledged = new Set<string>();
    try {
      // Killed after the round has acknowledged this many stores (a condition, not a time, so it
      // holds on a busy machine), while 20 writers keep going.
      for (const [round, killAfterAcknowledged] of [10, 60, 150].entries()) {
        const { cli, url } = await startServer(path);
        let stopped = false;
        const writers = Array.from({ length: 20 }, async (_, w) => {
          for (let i = 0; !stopped; i++) {
            const hash = await store(url, `round ${round} writer ${w} memory ${i}`);
            if (hash !== null) acknowledged.add(hash);
            else if (cli.child.exitCode !== null || cli.child.signalCode !== null) return;
          }
        });
        const before = acknowledged.size;
        await waitUntil(() => acknowledged.size - before >= killAfterAcknowledged, {
          timeoutMs: 120_000,
          what: `${killAfterAcknowledged} acknowledged writes`,
        });
        cli.child.kill('SIGKILL');
        assert.equal(await cli.exited(), 'SIGKILL');
        stopped = true;
        await Promise.all(writers);

        // Restart on the same file: it must open (WAL recovery) and serve every acknowledged memory.
        const restarted = await startServer(path);
        const check = await fetch(`${restarted.url}/api/memories?page_size=1`);
        assert.equal(check.status, 200);
        restarted.cli.child.kill('SIGTERM');
        assert.equal(await restarted.cli.exited(), 0);

        const facts = inspect(path);
        assert.equal(facts.integrity, 'ok');
        assert.equal(facts.memories, facts.vectors, 'every memory has exactly one vector');
        assert.equal(facts.joined, facts.memories);
        const lost = [...acknowledged].filter((h) => !facts.hashes.has(h));
        assert.deepEqual(lost, [], `round ${round}: ${lost.length} acknowledged stores lost`);
        assert.ok(acknowledged.size - before >= killAfterAcknowledged, `round ${round}: only ${acknowledged.size - before} stores acknowledged`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGTERM with requests in flight: they complete, streams close, WAL checkpointed, exit 0 within seconds', async () => {
    const dir = makeTempDir('graceful-');
    const path = join(dir, 'memory.db');
    try {
      const { cli, url } = await startServer(path);
      const stream = await SseReader.open(`${url}/api/events/stream`);
      await stream.waitFor((r) => r.messages.length === 1);
      const inFlight = Array.from({ length: 20 }, (_, i) => store(url, `in flight at shutdown ${i}`));
      // The server is busy with them once the first answers; the rest are still in flight.
      await Promise.race(inFlight);
      const started = Date.now();
      cli.child.kill('SIGTERM');
      const late = await Promise.all(Array.from({ length: 5 }, (_, i) => store(url, `sent after SIGTERM ${i}`)));
      const results = await Promise.all(inFlight);
      assert.equal(await cli.exited(), 0);
      // Seconds, not minutes: the in-flight stores each wait for the model, which a loaded 2-core machine slows several times over.
      assert.ok(Date.now() - started < 15_000, `exit took ${Date.now() - started} ms`);
      await stream.done;
      const facts = inspect(path);
      for (const hash of [...results, ...late].filter((h): h is string => h !== null)) assert.ok(facts.hashes.has(hash), `acknowledged ${hash} lost`);
      assert.ok(results.filter((h) => h !== null).length > 0, 'no in-flight store completed');
      assert.ok(!existsSync(`${path}-wal`) || statSync(`${path}-wal`).size === 0, 'the WAL was not checkpointed');
      assert.equal(facts.integrity, 'ok');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the server and two stdio MCP processes write to one file at once: no lock errors, nothing lost', async () => {
    const dir = makeTempDir('multiprocess-');
    const path = join(dir, 'memory.db');
    const { cli, url } = await startServer(path);
    const clients: Client[] = await Promise.all([0, 1].map(() => connectStdio('mcp', { MCP_MEMORY_SQLITE_PATH: path })));
    try {
      const failures: string[] = [];
      const hashes: string[] = [];
      const viaHttp = Array.from({ length: 5 }, async (_, w) => {
        for (let i = 0; i < 40; i++) {
          const outcome = await storeOutcome(url, `http writer ${w} item ${i}`);
          if ('failure' in outcome) failures.push(`http ${w}/${i}: ${outcome.failure}`);
          else hashes.push(outcome.hash);
        }
      });
      const viaMcp = clients.map(async (client, c) => {
        for (let i = 0; i < 100; i++) {
          const result = await callTool(client, 'store_memory', { content: `mcp process ${c} item ${i}` });
          const hash = (result.structuredContent as { content_hash?: string } | undefined)?.content_hash;
          if (result.isError || !hash) failures.push(textOf(result));
          else hashes.push(hash);
        }
      });
      await Promise.all([...viaHttp, ...viaMcp]);
      const server = cli.child.exitCode ?? cli.child.signalCode ?? 'running';
      assert.deepEqual(failures, [], `${failures.length} failed; the server: ${server}; its stderr: ${cli.stderr().slice(-4000)}`);
      assert.equal(hashes.length, 400);
      const total = ((await (await fetch(`${url}/api/memories?page_size=1`)).json()) as { total: number }).total;
      assert.equal(total, 400);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      cli.child.kill('SIGTERM');
      await cli.exited();
    }
    const facts = inspect(path);
    assert.equal(facts.integrity, 'ok');
    assert.equal(facts.memories, 400);
    assert.equal(facts.vectors, 400);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a restore killed at any step comes back on the old or the restored data, never an empty or half-restored file', async () => {
    // [step, whose data the restarted server must hold]
    const steps = [
      ['restore:before-transaction', 'old'],
      ['restore:after-delete', 'old'],
      ['restore:before-commit', 'old'],
      ['restore:after-commit', 'restored'],
    ] as const;
    for (const [step, expected] of steps) {
      const dir = makeTempDir('restore-crash-');
      const path = join(dir, 'memory.db');
      try {
        const cli = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: path, MCP_TEST_FAULT_POINT: step });
        const url = await cli.listening();
        const kept = [await store(url, `${step}: stored before the backup`), await store(url, `${step}: another one before the backup`)];
        const backup = (await (await fetch(`${url}/api/admin/backup`, { method: 'POST' })).json()) as { backup_id: string };
        const later = await store(url, `${step}: stored after the backup`);
        const restore = await fetch(`${url}/api/admin/restore`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ backup_id: backup.backup_id }),
        }).catch((error: Error) => error);
        assert.ok(restore instanceof Error, `${step}: the restore answered instead of dying`);
        assert.equal(await cli.exited(), 'SIGKILL');

        const restarted = await startServer(path);
        const health = (await (await fetch(`${restarted.url}/api/health`)).json()) as { status: string };
        assert.equal(health.status, 'healthy', step);
        const integrity = (await (await fetch(`${restarted.url}/api/admin/integrity-check`, { method: 'POST' })).json()) as { ok: boolean };
        assert.equal(integrity.ok, true, step);
        const found = await fetch(`${restarted.url}/api/search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'stored before the backup', n_results: 5 }),
        });
        assert.equal(found.status, 200, step);
        restarted.cli.child.kill('SIGTERM');
        assert.equal(await restarted.cli.exited(), 0);

        const facts = inspect(path);
        assert.equal(facts.integrity, 'ok', step);
        assert.equal(facts.memories, facts.vectors, `${step}: every memory has its vector`);
        assert.equal(facts.orphanTags, 0, step);
        const expectedHashes = expected === 'old' ? [...kept, later] : kept;
        assert.deepEqual([...facts.hashes].sort(), expectedHashes.map(String).sort(), `${step}: expected the ${expected} data`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
