import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH } from './helpers/cli-process.js';
import { makeTempDir } from './helpers/test-server.js';

/** `mcp-memory config <target> ...` as a user runs it; its stdout. */
function printConfig(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [CLI_PATH, 'config', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', MCP_MDNS_ENABLED: 'false', ...env },
  });
}

describe('mcp-memory config (client and service configurations with this Node and CLI)', () => {
  let dir: string;
  let oldNodeDir: string;

  before(() => {
    dir = makeTempDir('client-config-');
    // What a client finds as `node` on a machine whose system Node is too old for this service.
    oldNodeDir = join(dir, 'old-node-bin');
    mkdirSync(oldNodeDir);
    writeFileSync(join(oldNodeDir, 'node'), '#!/bin/sh\necho "this is Node v20.19.0, too old for mcp-memory" >&2\nexit 1\n');
    chmodSync(join(oldNodeDir, 'node'), 0o755);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a Claude Desktop configuration that works from a bare environment whose `node` is too old', async () => {
    const printed = JSON.parse(printConfig(['claude-desktop'], { MCP_MEMORY_SQLITE_PATH: join(dir, 'desktop.db') })) as {
      mcpServers: { memory: { command: string; args: string[]; env: Record<string, string> } };
    };
    const server = printed.mcpServers.memory;
    assert.equal(server.command, realpathSync(process.execPath), 'the Node in use, by its absolute path');
    assert.deepEqual(server.args, [realpathSync(CLI_PATH), 'mcp']);
    assert.equal(server.env.MCP_MEMORY_SQLITE_PATH, join(dir, 'desktop.db'));

    // As the shipped examples did ("command": "node"), the old Node answers and the client fails.
    const plain = spawnSync('node', server.args, { env: { PATH: oldNodeDir }, encoding: 'utf8' });
    assert.equal(plain.status, 1);

    // The printed configuration, exactly as a client runs it: only its own env (like env -i) and the old Node first on PATH.
    const transport = new StdioClientTransport({
      command: server.command,
      args: server.args,
      env: { ...server.env, PATH: `${oldNodeDir}:/usr/bin:/bin` },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'client-config-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(tools.includes('memory_store'), tools.join(', '));
      const stored = await client.callTool({ name: 'memory_store', arguments: { content: 'configured by mcp-memory config' } });
      assert.notEqual(stored.isError, true, JSON.stringify(stored.content));
      assert.ok(existsSync(join(dir, 'desktop.db')), 'the memory went to the configured database file');
    } finally {
      await client.close();
    }
  });

  it("prints VS Code, Cursor and Claude Code configurations for the bridge or for the server's /mcp", () => {
    const vscode = JSON.parse(printConfig(['vscode', '--mode', 'http', '--url', 'https://memory.example.internal:8443/'])) as { servers: { memory: unknown } };
    assert.deepEqual(vscode.servers.memory, {
      type: 'http',
      url: 'https://memory.example.internal:8443/mcp',
      headers: { Authorization: 'Bearer <your-api-key>' },
    });
    const cursor = JSON.parse(printConfig(['cursor', '--mode', 'bridge', '--url', 'http://10.0.0.5:8000'])) as {
      mcpServers: { memory: { command: string; args: string[]; env: Record<string, string> } };
    };
    assert.deepEqual(cursor.mcpServers.memory.args, [realpathSync(CLI_PATH), 'bridge']);
    assert.deepEqual(cursor.mcpServers.memory.env, { MCP_MEMORY_HTTP_ENDPOINT: 'http://10.0.0.5:8000/api', MCP_MEMORY_API_KEY: '<your-api-key>' });
    const claudeCode = JSON.parse(printConfig(['claude-code'], { MCP_HTTP_PORT: '8123' })) as { mcpServers: { memory: { type: string; command: string } } };
    assert.equal(claudeCode.mcpServers.memory.type, 'stdio');
    assert.equal(JSON.parse(printConfig(['claude-code', '--mode', 'http'], { MCP_HTTP_PORT: '8123' })).mcpServers.memory.url, 'http://127.0.0.1:8123/mcp');
  });

  it('prints the systemd unit and a compose file for this installation; refuses what a client cannot do, with exit code 2', () => {
    const unit = printConfig(['systemd']);
    assert.match(unit, new RegExp(`^ExecStart=${realpathSync(process.execPath)} ${realpathSync(CLI_PATH)} serve$`, 'm'));
    assert.match(unit, /^NoNewPrivileges=true$/m);
    const underHome = [process.execPath, CLI_PATH].some((path) => /^\/(home|root)\//.test(realpathSync(path)));
    assert.match(unit, underHome ? /^ProtectHome=read-only$/m : /^ProtectHome=true$/m);
    const compose = printConfig(['compose']);
    assert.match(compose, /^ {4}build: "\/.+"$/mu, 'a checkout builds its own folder');
    assert.match(compose, /^ {4}profiles: \[postgres\]$/mu);
    assert.match(compose, /memory-data:\/app\/data/);
    const desktopHttp = spawnSync(process.execPath, [CLI_PATH, 'config', 'claude-desktop', '--mode', 'http'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    assert.equal(desktopHttp.status, 2);
    assert.match(desktopHttp.stderr, /use --mode bridge/);
    assert.equal(spawnSync(process.execPath, [CLI_PATH, 'config', 'emacs'], { encoding: 'utf8' }).status, 2);
  });
});
