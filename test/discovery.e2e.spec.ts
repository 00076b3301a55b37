import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH, type CliProcess, nodeCommand, spawnCli } from './helpers/cli-process.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { createMulticastNamespace, createOfflineNamespace } from './helpers/network-namespace.js';
import { makeTempDir } from './helpers/test-server.js';

const KEY = 'discovery-key';
const namespace = createMulticastNamespace();
if (namespace.name === null) console.log(`# discovery tests skipped: ${namespace.reason}`);

describe('mDNS discovery inside a test-made network namespace', { skip: namespace.name === null ? namespace.reason : false }, () => {
  const ns = namespace.name!;
  let dir: string;
  const servers: CliProcess[] = [];
  const advertisers: ReturnType<typeof spawn>[] = [];
  const mdnsEnv = { MCP_MDNS_ENABLED: 'true', MCP_MDNS_INTERFACE: 'lo', MCP_API_KEY: KEY, MCP_HTTP_PORT: '0' };

  before(async () => {
    dir = makeTempDir('discovery-');
    servers.push(spawnCli(['serve'], { ...mdnsEnv, MCP_MDNS_SERVICE_NAME: 'Memory Plain', MCP_MEMORY_SQLITE_PATH: join(dir, 'a.db') }, ns));
    servers.push(
      spawnCli(['serve'], { ...mdnsEnv, MCP_MDNS_SERVICE_NAME: 'Memory Secure', MCP_HTTPS_ENABLED: 'true', MCP_MEMORY_SQLITE_PATH: join(dir, 'b.db') }, ns),
    );
    const [, secureUrl] = await Promise.all(servers.map((s) => s.listening()));
    const [command, prefix] = nodeCommand(ns);
    const advertise = async (...args: string[]): Promise<void> => {
      const advertiser = spawn(command, [...prefix, join(CLI_PATH, '../../../test/helpers/advertise-only.js'), ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      advertisers.push(advertiser);
      await once(advertiser.stdout!, 'data');
    };
    await advertise('Memory Down', '9');
    // An impostor: the secure server's port, but a certificate fingerprint that is not its own.
    await advertise('Memory Impostor', new URL(secureUrl!).port, JSON.stringify({ https: 'true', cert_sha256: 'ab'.repeat(32) }));
    // Each server has finished probing and announcing once its banner reports the advertisement.
    await Promise.all(servers.map((s) => s.output('stderr', /mDNS advertisement: started/)));
  });

  after(async () => {
    const advertisersExited = advertisers.map((a) => once(a, 'exit'));
    for (const advertiser of advertisers) advertiser.kill('SIGTERM');
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all([...servers.map((s) => s.exited()), ...advertisersExited]);
    if (namespace.name !== null) namespace.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('servers log that their advertisement started', () => {
    for (const server of servers) assert.match(server.stdout(), /mDNS service advertisement started/);
  });

  it('mcp-memory discover lists them all, marks the one without a server and the impostor down, and picks HTTPS first', async () => {
    const discover = spawnCli(['discover'], { MCP_MDNS_ENABLED: 'true', MCP_MDNS_INTERFACE: 'lo', MCP_MDNS_DISCOVERY_TIMEOUT: '3' }, ns);
    assert.equal(await discover.exited(), 0, discover.stderr());
    const out = discover.stdout();
    assert.match(out, /Memory Plain .* http:\/\/127\.0\.0\.1:\d+\/api .* no .* yes .* healthy/);
    assert.match(out, /Memory Secure .* https:\/\/127\.0\.0\.1:\d+\/api .* yes .* yes .* healthy/);
    assert.match(out, /Memory Down .* down/);
    assert.match(out, /Memory Impostor .* https:.* down .* not the one it advertised/);
    assert.match(out, /Chosen: Memory Secure at https:/);
  });

  it('without the HTTPS preference it still never picks the unhealthy one (--json for scripts)', async () => {
    const discover = spawnCli(
      ['discover', '--json'],
      { MCP_MDNS_ENABLED: 'true', MCP_MDNS_INTERFACE: 'lo', MCP_MDNS_DISCOVERY_TIMEOUT: '3', MCP_MEMORY_PREFER_HTTPS: 'false' },
      ns,
    );
    assert.equal(await discover.exited(), 0);
    const { services, chosen } = JSON.parse(discover.stdout()) as { services: { name: string; healthy: boolean; apiBase: string }[]; chosen: string };
    assert.deepEqual(services.map((s) => s.name).sort(), ['Memory Down', 'Memory Impostor', 'Memory Plain', 'Memory Secure']);
    assert.ok(services.some((s) => s.apiBase === chosen && s.healthy && /^Memory (Plain|Secure)$/.test(s.name)));
  });

  it('the bridge with MCP_MEMORY_AUTO_DISCOVER=true finds the HTTPS server, pins its advertised certificate and forwards tool calls', async () => {
    const [command, prefix] = nodeCommand(ns);
    const transport = new StdioClientTransport({
      command,
      args: [...prefix, CLI_PATH, 'bridge'],
      env: {
        PATH: process.env.PATH ?? '',
        MCP_MEMORY_AUTO_DISCOVER: 'true',
        MCP_MDNS_INTERFACE: 'lo',
        MCP_MDNS_DISCOVERY_TIMEOUT: '3',
        MCP_MEMORY_API_KEY: KEY,
        LOG_LEVEL: 'DEBUG',
      },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'discovery-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      assert.match(stderr, /Auto-discovery: ENABLED/);
      assert.match(stderr, /Prefer HTTPS: YES/);
      assert.match(stderr, /^MCP HTTP Bridge starting\.\.\.$/m);
      assert.match(stderr, /^Attempting to discover MCP Memory Service via mDNS\.\.\.$/m);
      assert.match(stderr, /^Discovered service: https:\/\/127\.0\.0\.1:\d+\/api \(Memory Secure, /m);
      assert.match(stderr, /^Service discovered automatically via mDNS$/m);
      // LOG_LEVEL=DEBUG: the discovery steps, on stderr (stdout is the protocol).
      assert.match(stderr, /\[debug\] mDNS query for _mcp-memory\._tcp\.local \(PTR\) on lo/);
      assert.match(stderr, /\[debug\] mDNS answer from 127\.0\.0\.1: Memory Secure\._mcp-memory\._tcp\.local at /);
      assert.match(stderr, /\[debug\] Health check https:\/\/127\.0\.0\.1:\d+\/api\/health: healthy in /);
      assert.match(stderr, /\[debug\] Health check .*: down \(.*not the one it advertised/);
      assert.match(stderr, /TLS: certificate pinned to the SHA-256 fingerprint the server advertised/);
      assert.match(stderr, /API Key: \[SET\]/);
      assert.ok(!stderr.includes(KEY));
      const stored = await callTool(client, 'memory_store', { content: 'found through mDNS discovery' });
      assert.match(textOf(stored), /Memory stored successfully/);
    } finally {
      await client.close();
    }
  });

  it('a server bound to loopback is not advertised: no other machine could reach it', async () => {
    const server = spawnCli(['serve'], { MCP_MDNS_ENABLED: 'true', MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: join(dir, 'loopback.db') }, ns);
    await server.listening();
    await server.output('stderr', /Press Ctrl\+C to stop/);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited(), 0);
    assert.match(server.stderr(), /mDNS advertisement: not started \(loopback bind/);
    assert.match(server.stdout(), /mDNS service advertisement skipped: the server listens on 127\.0\.0\.1/);
    assert.doesNotMatch(server.stdout(), /mDNS service advertisement started/);
  });
});

describe('where multicast is unavailable', () => {
  it('the server starts, logs one warning and serves', async (t) => {
    const offline = createOfflineNamespace();
    if (offline.name === null) {
      t.skip(offline.reason);
      return;
    }
    const dir = makeTempDir('no-multicast-');
    try {
      const server = spawnCli(
        ['serve'],
        { MCP_MDNS_ENABLED: 'true', MCP_HTTP_HOST: '0.0.0.0', MCP_API_KEY: KEY, MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: join(dir, 'm.db') },
        offline.name,
      );
      await server.listening();
      await server.output('stderr', /Press Ctrl\+C to stop/);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited(), 0);
      const warnings = server
        .stdout()
        .split('\n')
        .filter((l) => /mDNS advertisement unavailable/.test(l));
      assert.equal(warnings.length, 1, server.stdout());
      assert.match(server.stderr(), /mDNS advertisement: unavailable/);
    } finally {
      offline.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
