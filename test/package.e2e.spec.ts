import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnWatched } from './helpers/cli-process.js';
import { makeTempDir } from './helpers/test-server.js';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

/** Bytes of the files under a folder (symbolic links not followed). */
function apparentSize(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + apparentSize(join(path, name)), 0);
}

/** npm as a user runs it; registry packages come from npm's cache where it has them. */
function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', SCARF_ANALYTICS: 'false' },
    // Generous: a cold npm cache on a busy machine.
    timeout: 600_000,
  });
}

describe('the npm package: packed, installed globally, served from any folder', () => {
  let dir: string;
  let tarball: string;
  let files: string[];
  let prefix: string;
  let home: string;
  let installed: string;
  let bin: string;

  before(() => {
    dir = makeTempDir('package-');
    // The suite has just built dist/; packing again would only rebuild it.
    const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], process.cwd())) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(dir, packed!.filename);
    files = packed!.files.map((file) => file.path);
    prefix = join(dir, 'prefix');
    home = join(dir, 'home');
    npm(['install', '--global', '--prefix', prefix, '--prefer-offline', tarball], dir);
    installed = join(prefix, 'lib', 'node_modules', 'mcp-memory-service');
    bin = join(prefix, 'bin', 'mcp-memory');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the built server, its dashboard, configs and docs; no sources, tests or benchmarks', () => {
    for (const path of [
      'dist/src/cli/main.js',
      'public/index.html',
      'config/systemd/mcp-memory.service',
      'package.json',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
    ]) {
      assert.ok(files.includes(path), `${path} is in the tarball`);
    }
    const unwanted = files.filter((path) => /^(src|test|bench|scripts|helm|dist\/test|dist\/bench)\//u.test(path) || /\.(spec\.js|map|ts)$/u.test(path));
    assert.deepEqual(unwanted, []);
  });

  it('runs with npx from the tarball', () => {
    assert.equal(npm(['exec', '--yes', `--package=${tarball}`, '--', 'mcp-memory', '--version'], dir).trim(), VERSION);
  });

  it('installs the default model only: no Transformers.js runtime, a production footprint within 250 MB', () => {
    assert.ok(existsSync(join(installed, 'node_modules', '@energetic-ai', 'model-embeddings-en')), 'the default model is installed');
    for (const absent of ['@huggingface/transformers', 'onnxruntime-node', 'typescript', '@nestjs/cli']) {
      assert.ok(!existsSync(join(installed, 'node_modules', absent)), `${absent} is not installed`);
    }
    const megabytes = apparentSize(installed) / 1024 / 1024;
    assert.ok(megabytes <= 250, `the installed package takes ${megabytes.toFixed(0)} MB`);
  });

  it('serves from any folder with --host/--port over the environment, keeping data in the per-user data folder', async () => {
    const cwd = makeTempDir('package-cwd-');
    // The flags win over the environment (an unusable port here).
    const server = spawnWatched(bin, ['serve', '--host', '127.0.0.1', '--port', '0'], { HOME: home, MCP_HTTP_PORT: '1', MCP_HTTP_HOST: '0.0.0.0' }, cwd);
    try {
      const url = await server.listening();
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/u);
      assert.notEqual(new URL(url).port, '1');
      const response = await fetch(`${url}/api/health`);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { version: string }).version, VERSION);
      const database = join(home, '.local', 'share', 'mcp-memory-service', 'memory.db');
      assert.ok(existsSync(database), `the database is in the per-user data folder: ${database}`);
      assert.deepEqual(readdirSync(cwd), [], 'nothing is written to the working folder');
      assert.ok(server.stdout().includes(`"database":${JSON.stringify(database)}`), 'the start-up line says where the data is');
      server.child.kill('SIGINT');
      await server.output('stdout', /"msg":"Stopped"/u);
      assert.equal(await server.exited(), 0);
    } finally {
      server.child.kill('SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('keeps the database where MCP_MEMORY_SQLITE_PATH, --data-dir or XDG_DATA_HOME say', () => {
    const databaseOf = (args: string[], env: Record<string, string>): string => {
      const printed = execFileSync(bin, ['config', 'claude-desktop', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: home, ...env } });
      return (JSON.parse(printed) as { mcpServers: { memory: { env: { MCP_MEMORY_SQLITE_PATH: string } } } }).mcpServers.memory.env.MCP_MEMORY_SQLITE_PATH;
    };
    assert.equal(databaseOf([], {}), join(home, '.local', 'share', 'mcp-memory-service', 'memory.db'));
    assert.equal(databaseOf([], { XDG_DATA_HOME: join(dir, 'xdg') }), join(dir, 'xdg', 'mcp-memory-service', 'memory.db'));
    assert.equal(databaseOf([], { MCP_MEMORY_SQLITE_PATH: join(dir, 'env.db') }), join(dir, 'env.db'));
    assert.equal(databaseOf(['--data-dir', join(dir, 'flag')], { MCP_MEMORY_SQLITE_PATH: join(dir, 'env.db') }), join(dir, 'flag', 'memory.db'));
  });

  it('prints a compose file that runs the released image (an installed package has no sources to build)', () => {
    const compose = execFileSync(bin, ['config', 'compose'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: home } });
    assert.doesNotMatch(compose, /^ {4}build:/mu);
    assert.ok(compose.includes(`    image: \${MCP_MEMORY_IMAGE:-mcp-memory-service:${VERSION}}\n`), compose);
  });

  it('says the exact command when a Transformers.js model is configured without its runtime, and that command adds it', async () => {
    const run = spawnSync(bin, ['serve', '--port', '0', '--data-dir', join(dir, 'transformers')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: home, MCP_MDNS_ENABLED: 'false', MCP_EMBEDDING_MODEL: 'Xenova/all-MiniLM-L6-v2' },
      timeout: 120_000,
    });
    assert.equal(run.status, 1, run.stderr);
    const command = /run npm install -g (@huggingface\/transformers@4 --onnxruntime-node-install=skip) /u.exec(run.stderr);
    assert.ok(command, run.stderr);

    // The command as printed, into the same global folder: the installed server then finds the runtime.
    npm(['install', '--global', '--prefix', prefix, '--prefer-offline', ...command[1]!.split(' ')], dir);
    const server = spawnWatched(
      bin,
      ['serve', '--port', '0', '--data-dir', join(dir, 'transformers')],
      { HOME: home, MCP_EMBEDDING_MODEL: 'fixtures/minilm-arch-random', MCP_MEMORY_MODELS_DIR: resolve('../shared/models') },
      dir,
    );
    try {
      const url = await server.listening();
      const health = (await (await fetch(`${url}/api/health/detailed`)).json()) as { embedding_model: string; embedding_dimension: number };
      assert.deepEqual([health.embedding_model, health.embedding_dimension], ['fixtures/minilm-arch-random', 384]);
    } finally {
      server.child.kill('SIGKILL');
      await server.exited();
    }
  });
});
