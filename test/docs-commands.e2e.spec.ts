import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH, type CliProcess, spawnCli } from './helpers/cli-process.js';
import { createTestDatabase, TEST_POSTGRES_URL } from './helpers/postgres.js';
import { makeTempDir } from './helpers/test-server.js';
import { writeUpstreamDatabase } from './helpers/upstream-fixture.js';
import { waitUntil } from './helpers/wait.js';

/**
 * Every `bash` block in the README and docs/ is run as a user would run it, in a sandbox: a
 * temporary HOME and npm prefix (`npm install -g` lands there), loopback only, mDNS off, and any
 * curl fails the block on an HTTP error. The comment line before a block says how it runs:
 *
 *   (none)                         run in an empty folder; must exit 0
 *   <!-- docs-test: checkout -->   run in the checkout (npm scripts, npm pack)
 *   <!-- docs-test: serves -->     its last command serves: done when /api/health answers, then stopped
 *   <!-- docs-test: with-server --> a server (keyless on loopback) is running: $API, $KEY and $MCP_API_KEY for it
 *   <!-- docs-test: with-upstream-db --> upstream's database is where upstream keeps it
 *   <!-- docs-test: skip <reason> --> not runnable on a CI machine (Docker, systemd, a cluster, a model's files)
 *
 * The sandbox, not the block, changes: the documented port 8000 (or 8443) becomes the sandbox's
 * port, 0.0.0.0 becomes 127.0.0.1, placeholders (`your-key`, `<admin key>`, `...` as a key,
 * `/etc/mcp-memory/`, example host names) become the sandbox's values.
 */

interface Block {
  file: string;
  line: number;
  text: string;
  directives: Set<string>;
  skip: string | null;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```bash$/u.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== `${indent}\`\`\``; i++) body.push(lines[i]!.slice(indent.length));
    const directive = /<!-- docs-test: (.+) -->/u.exec(lines[start - 1] ?? '')?.[1]?.trim() ?? '';
    const skip = /^skip (.+)$/u.exec(directive)?.[1] ?? null;
    blocks.push({ file, line: start + 1, text: body.join('\n'), directives: new Set(skip === null ? directive.split(/\s+/u).filter(Boolean) : []), skip });
  }
  return blocks;
}

const DOCS = ['README.md', ...readdirSync('docs').map((name) => join('docs', name))].filter((file) => file.endsWith('.md'));
const BLOCKS = DOCS.flatMap(blocksOf);
const KNOWN = new Set(['checkout', 'serves', 'with-server', 'with-upstream-db']);

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** GET /api/health over HTTPS (any certificate) or HTTP: the status, or 0 while nothing answers. */
function healthStatus(port: number): Promise<number> {
  const attempt = (https: boolean): Promise<number> =>
    new Promise((done) => {
      const request = (https ? httpsGet : httpGet)({ host: '127.0.0.1', port, path: '/api/health', rejectUnauthorized: false, timeout: 5000 }, (response) => {
        response.resume();
        done(response.statusCode ?? 0);
      });
      request.on('error', () => done(0));
      request.on('timeout', () => request.destroy());
    });
  return attempt(true).then((status) => (status !== 0 ? status : attempt(false)));
}

describe('every shell block in the README and docs/, run as written in a sandbox', () => {
  let dir: string;
  let env: Record<string, string>;
  let servePort: number;
  let serverPort: number;
  let server: CliProcess;
  let postgres: { url: string; drop: () => Promise<void> } | null = null;
  const KEY = 'docs-test-key-0123456789';

  before(async () => {
    dir = makeTempDir('docs-commands-');
    const bin = join(dir, 'bin');
    const prefix = join(dir, 'prefix');
    mkdirSync(bin);
    mkdirSync(join(dir, 'etc'));
    // `mcp-memory` by name, as `npm install -g .` in this checkout would provide it.
    writeFileSync(join(bin, 'mcp-memory'), `#!/bin/sh\nexec "${process.execPath}" "${resolve(CLI_PATH)}" "$@"\n`);
    // curl as documented, but an HTTP error fails the block instead of printing a JSON detail.
    writeFileSync(join(bin, 'curl'), '#!/bin/sh\nexec /usr/bin/curl --fail-with-body "$@"\n');
    for (const name of ['mcp-memory', 'curl']) chmodSync(join(bin, name), 0o755);
    [servePort, serverPort] = [await freePort(), await freePort()];
    const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
    // How this machine reaches the npm registry (its CA bundle, a proxy) carries over.
    const network = Object.fromEntries(Object.entries(process.env).filter(([name]) => /proxy|^NODE_EXTRA_CA_CERTS$|^SSL_CERT_/iu.test(name))) as Record<
      string,
      string
    >;
    env = {
      ...network,
      PATH: `${join(prefix, 'bin')}:${bin}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: join(dir, 'home'),
      npm_config_prefix: prefix,
      npm_config_cache: npmCache,
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      SCARF_ANALYTICS: 'false',
      MCP_MDNS_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    };
    // Keyless on loopback, as the README's first start: the tour's calls need no key, and the
    // documented calls that send one ($KEY) are accepted too.
    server = spawnCli(['serve'], { HOME: env.HOME!, MCP_HTTP_PORT: String(serverPort), MCP_MEMORY_SQLITE_PATH: join(dir, 'server', 'memory.db') });
    await server.listening();
  });

  after(async () => {
    server?.child.kill('SIGKILL');
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
    // npm pack in the checkout leaves its tarball there.
    for (const name of readdirSync('.')) if (/^mcp-memory-service-.*\.tgz$/u.test(name)) rmSync(name);
  });

  /** The block with the sandbox's ports, addresses and placeholder values. */
  function sandboxed(block: Block, port: number): string {
    let text = block.text
      .replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`)
      .replaceAll('localhost:8000', `localhost:${port}`)
      .replaceAll('--port 8000', `--port ${port}`)
      .replaceAll('MCP_HTTP_PORT=8443', `MCP_HTTP_PORT=${port}`)
      .replaceAll('MCP_HTTP_HOST=0.0.0.0', 'MCP_HTTP_HOST=127.0.0.1')
      .replaceAll(/http:\/\/(other-)?server:8000/gu, `http://127.0.0.1:${port}`)
      .replaceAll('your-key', KEY)
      .replaceAll('<admin key>', KEY)
      .replaceAll('MCP_API_KEY=...', `MCP_API_KEY=${KEY}`)
      .replaceAll('/etc/mcp-memory/', `${join(dir, 'etc')}/`);
    if (postgres !== null) text = text.replaceAll('postgres://memory:secret@db:5432/memory', postgres.url);
    return text;
  }

  async function runBlock(block: Block): Promise<void> {
    const serves = block.directives.has('serves');
    const withServer = block.directives.has('with-server');
    const port = serves ? servePort : serverPort;
    const cwd = block.directives.has('checkout') ? process.cwd() : makeTempDir('docs-block-');
    const blockEnv: Record<string, string> = {
      ...env,
      // A served checkout keeps its data in the sandbox, not in the checkout's ./data.
      ...(serves ? { MCP_HTTP_PORT: String(port), MCP_MEMORY_SQLITE_PATH: join(makeTempDir('docs-data-'), 'memory.db') } : {}),
      ...(withServer
        ? { API: `http://127.0.0.1:${port}/api`, KEY, MCP_API_KEY: KEY, MCP_HTTP_PORT: String(port), MCP_MEMORY_SQLITE_PATH: join(dir, 'server', 'memory.db') }
        : {}),
    };
    if (block.directives.has('with-upstream-db')) {
      mkdirSync(join(env.HOME!, '.local', 'share', 'mcp-memory'), { recursive: true });
      writeUpstreamDatabase(join(env.HOME!, '.local', 'share', 'mcp-memory', 'sqlite_vec.db'), 20, 2000);
    }
    const child: ChildProcess = spawn('bash', ['-e', '-o', 'pipefail', '-c', sandboxed(block, port)], {
      cwd,
      env: blockEnv,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // The exit code, or the signal that ended it.
    const exited = once(child, 'exit').then(([exitCode, signal]) => (exitCode ?? signal) as number | string);
    let code: number | string | null = null;
    void exited.then((value) => (code = value));
    try {
      if (serves) {
        await waitUntil(async () => code !== null || (await healthStatus(port)) === 200, { timeoutMs: 480_000, what: `the served port ${port}` });
        assert.equal(code, null, `the server ended (${code}) before it answered:\n${output}`);
        process.kill(-child.pid!, 'SIGINT');
        await exited;
      } else {
        assert.equal(await exited, 0, `exit ${code}:\n${output}`);
      }
    } finally {
      if (code === null) process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
  }

  for (const block of BLOCKS) {
    const name = `${block.file}:${block.line} ${
      block.text
        .split('\n')
        .find((line) => line.trim() !== '' && !line.startsWith('#'))
        ?.trim() ?? ''
    }`;
    it(name, { timeout: 600_000 }, async (t) => {
      for (const directive of block.directives) assert.ok(KNOWN.has(directive), `unknown docs-test directive "${directive}"`);
      if (block.skip !== null) return t.skip(block.skip);
      if (block.text.includes('postgres://memory:secret@db')) {
        if (TEST_POSTGRES_URL === null) return t.skip('MCP_TEST_POSTGRES_URL is not set');
        postgres ??= await createTestDatabase();
      }
      await runBlock(block);
    });
  }
});
