import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { databaseFacts } from './helpers/database-facts.js';
import { ApiClient } from './helpers/http.js';
import { makeTempDir, startTestServer } from './helpers/test-server.js';

/** Mounts a small tmpfs for the test; null (with the reason) where mounting is not allowed. */
function mountTinyFilesystem(dir: string, megabytes: number): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})`;
  }
}

const outer = makeTempDir('disk-full-');
const mountPoint = join(outer, 'tiny');
mkdirSync(mountPoint);
const cannotMount = mountTinyFilesystem(mountPoint, 16);
if (cannotMount) {
  console.log(`# disk-full test skipped: ${cannotMount}`);
  rmSync(outer, { recursive: true, force: true });
}

describe('disk full', { skip: cannotMount ?? false }, () => {
  it('stores fail with a clear 507, nothing half-written, reads keep working, writes resume once space is freed', async () => {
    const server = await startTestServer({ dir: mountPoint, env: { MCP_API_KEY: 'k' } });
    const filler = join(mountPoint, 'filler');
    try {
      const api = new ApiClient(server.url, 'k');
      const first = await api.post('/api/memories', { content: 'stored before the disk filled up', tags: ['before'] });
      assert.equal(first.status, 200);

      // Leave only a little room, then write until the disk refuses.
      const { bavail, bsize } = statfsSync(mountPoint);
      writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 600 * 1024)));
      let full: { status: number; body: { detail: string } } | null = null;
      const stored: string[] = [];
      for (let i = 0; i < 200 && full === null; i++) {
        const res = await api.post('/api/memories', { content: `${i} filling the disk ${'z'.repeat(60 * 1024)}` });
        if (res.status === 200) stored.push(res.body.content_hash);
        else full = res;
      }
      assert.ok(full, 'the disk never filled');
      assert.equal(full.status, 507, JSON.stringify(full.body));
      assert.match(full.body.detail, /disk .* full/);

      assert.equal((await api.get(`/api/memories/${first.body.content_hash}`)).status, 200);
      const search = await api.post('/api/search', { query: 'what was stored before the disk filled?', n_results: 1 });
      assert.equal(search.status, 200);
      assert.equal(search.body.results[0].memory.content_hash, first.body.content_hash);
      assert.equal((await api.get('/api/memories?tag=before')).body.total, 1);
      // Health says what the writers experience.
      const degraded = (await api.get('/api/health')).body;
      assert.equal(degraded.status, 'degraded');
      assert.match(degraded.write_failure, /disk .* full/);

      rmSync(filler);
      const after = await api.post('/api/memories', { content: 'stored after space was freed' });
      assert.equal(after.status, 200, JSON.stringify(after.body));
      assert.equal((await api.get('/api/health')).body.status, 'healthy', 'healthy again once writes succeed');
      for (const hash of stored) assert.equal((await api.get(`/api/memories/${hash}`)).status, 200);
      const total = (await api.get('/api/health')).body.statistics.total_memories;
      assert.equal(total, stored.length + 2);
      await server.stop();

      const facts = databaseFacts(server.dbPath);
      assert.equal(facts.integrity, 'ok');
      assert.deepEqual([facts.memories, facts.vectors], [total, total]);
    } finally {
      await server.stop();
      execFileSync('umount', [mountPoint]);
      rmSync(outer, { recursive: true, force: true });
    }
  });
});
