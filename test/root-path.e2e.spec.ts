import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { readRootPath } from '../src/config/app-config.js';
import { ApiClient } from './helpers/http.js';
import { SseReader } from './helpers/sse-reader.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'root-path-key';
const ROOT = '/memory';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NO_BROWSER = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

/** A reverse proxy as nginx's `location /memory/ { proxy_pass http://server/; }`: it strips the prefix. */
async function strippingProxy(target: string): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url !== ROOT && !url.startsWith(`${ROOT}/`)) return void res.writeHead(404).end();
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: url.slice(ROOT.length) || '/',
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('MCP_HTTP_ROOT_PATH: the whole service under one path prefix', () => {
  let server: TestServer;
  let proxy: { url: string; server: Server };

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_HTTP_ROOT_PATH: `${ROOT}/`, MCP_OAUTH_ENABLED: 'true' } });
    proxy = await strippingProxy(server.url);
  });
  after(async () => {
    proxy.server.closeAllConnections();
    await new Promise((closed) => proxy.server.close(closed));
    await server.cleanup();
  });

  it('is normalized as upstream does it, and refuses what is not a path prefix', () => {
    assert.equal(readRootPath({ MCP_HTTP_ROOT_PATH: '/memory/' }), '/memory');
    assert.equal(readRootPath({ MCP_HTTP_ROOT_PATH: '/' }), '');
    for (const bad of ['memory', 'https://example.com/memory', '/a//b', '/a/../b', '/a?x', '/a#b', '/a%2Fb', '/a b', '/a\\b'])
      assert.throws(() => readRootPath({ MCP_HTTP_ROOT_PATH: bad }), /MCP_HTTP_ROOT_PATH/, bad);
  });

  it('answers every route under the prefix, and without it (for a proxy that strips it)', async () => {
    for (const base of [`${server.url}${ROOT}`, server.url, `${proxy.url}${ROOT}`]) {
      const api = new ApiClient(base, KEY);
      assert.equal((await api.get('/api/health')).status, 200, base);
      const stored = await api.post('/api/memories', { content: `stored through ${base}` });
      assert.equal(stored.status, 200, base);
      assert.equal((await api.get(`/api/memories/${stored.body.content_hash}`)).status, 200);
    }
    const openapi = (await new ApiClient(`${server.url}${ROOT}`, KEY).get('/openapi.json')).body;
    assert.deepEqual(openapi.servers, [{ url: ROOT }]);
    const page = await fetch(`${proxy.url}${ROOT}/`);
    assert.match(await page.text(), /<base href="\/memory\/" \/>/);
    assert.equal((await fetch(`${proxy.url}${ROOT}/app.js`)).status, 200);
    assert.equal((await fetch(`${server.url}${ROOT}x/api/health`)).status, 404, 'a path that only starts like the prefix is not under it');
  });

  it('serves the event stream and MCP under the prefix', async () => {
    const stream = await SseReader.open(`${proxy.url}${ROOT}/api/events`, { authorization: `Bearer ${KEY}` });
    try {
      const stored = await new ApiClient(`${proxy.url}${ROOT}`, KEY).post('/api/memories', { content: 'an event behind the proxy' });
      await stream.waitFor((r) => r.events.some((m) => m.data.content_hash === stored.body.content_hash));
    } finally {
      stream.close();
    }
    const listed = await fetch(`${proxy.url}${ROOT}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(listed.status, 200);
  });

  it('names the OAuth endpoints under the prefix: issuer, metadata, the resource and the 401 challenge', async () => {
    const origin = server.url;
    const metadata = (await (await fetch(`${origin}${ROOT}/.well-known/oauth-authorization-server`)).json()) as Record<string, string>;
    assert.equal(metadata.issuer, `${origin}${ROOT}`);
    for (const [field, path] of [
      ['authorization_endpoint', '/authorize'],
      ['token_endpoint', '/token'],
      ['registration_endpoint', '/register'],
    ]) {
      assert.equal(metadata[field], `${origin}${ROOT}${path}`, field);
    }
    const atRoot = (await (await fetch(`${origin}/.well-known/oauth-authorization-server${ROOT}`)).json()) as Record<string, string>;
    assert.deepEqual(atRoot, metadata, "RFC 8414's address for an issuer with a path");
    const challenge = await fetch(`${origin}${ROOT}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(challenge.status, 401);
    const resourceMetadataUrl = /resource_metadata="([^"]+)"/.exec(challenge.headers.get('www-authenticate') ?? '')?.[1];
    assert.equal(resourceMetadataUrl, `${origin}${ROOT}/.well-known/oauth-protected-resource/mcp`);
    const resource = (await (await fetch(resourceMetadataUrl!)).json()) as { resource: string; authorization_servers: string[] };
    assert.deepEqual([resource.resource, resource.authorization_servers], [`${origin}${ROOT}/mcp`, [`${origin}${ROOT}`]]);
  });

  it('runs the dashboard behind the stripping proxy: its files, API calls and live feed all go under the prefix', { skip: NO_BROWSER }, async () => {
    await new ApiClient(server.url, KEY).post('/api/memories', { content: 'Shown in the dashboard behind a proxy' });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const outside: string[] = [];
      page.on('request', (req) => {
        if (!new URL(req.url()).pathname.startsWith(`${ROOT}/`)) outside.push(req.url());
      });
      await page.goto(`${proxy.url}${ROOT}/`);
      await page.getByLabel('API key').fill(KEY);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.locator('#connection.live').waitFor();
      await page.getByText('Shown in the dashboard behind a proxy').first().waitFor();
      assert.deepEqual(outside, [], 'every request stays under the prefix');
    } finally {
      await browser.close();
    }
  });
});
