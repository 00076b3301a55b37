import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadBridgeConfig } from '../../config/bridge-config.js';
import { RemoteCallError, RestClient } from './rest-client.js';

describe('RestClient retries (busy and rate-limited servers)', () => {
  /** The answers still to give, in order; then 200. */
  let script: { status: number; retryAfter?: () => string }[] = [];
  const arrivals: number[] = [];
  let server: Server;
  let endpoint: string;

  before(async () => {
    server = createServer((_req, res) => {
      arrivals.push(Date.now());
      const next = script.shift();
      if (next === undefined) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}');
        return;
      }
      res.writeHead(next.status, { 'content-type': 'application/json', ...(next.retryAfter ? { 'retry-after': next.retryAfter() } : {}) });
      res.end('{"detail":"busy"}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });

  after(() => server.close());

  const client = (retries: number): RestClient => {
    const config = loadBridgeConfig({ MCP_MEMORY_HTTP_ENDPOINT: endpoint, MCP_MEMORY_HTTP_RETRIES: String(retries) });
    return new RestClient(config, config.endpoint!);
  };

  it("waits as long as a 503's or 429's Retry-After says, then succeeds", async () => {
    script = [
      { status: 503, retryAfter: () => '1' },
      // Two seconds ahead, as a date (whole seconds: one to two seconds from now).
      { status: 429, retryAfter: () => new Date(Date.now() + 2000).toUTCString() },
    ];
    arrivals.length = 0;
    const rest = client(3);
    try {
      assert.deepEqual(await rest.call('GET', '/health'), { status: 'healthy' });
    } finally {
      rest.close();
    }
    assert.equal(arrivals.length, 3);
    assert.ok(arrivals[1]! - arrivals[0]! >= 950, `waited ${arrivals[1]! - arrivals[0]!} ms after "Retry-After: 1"`);
    assert.ok(arrivals[2]! - arrivals[1]! >= 900, `waited ${arrivals[2]! - arrivals[1]!} ms after a Retry-After date`);
  });

  it('gives up after the configured retries with the last answer', async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 503 }];
    arrivals.length = 0;
    const rest = client(2);
    try {
      await assert.rejects(rest.call('GET', '/health'), (error: Error) => error instanceof RemoteCallError && error.status === 503);
    } finally {
      rest.close();
    }
    assert.equal(arrivals.length, 3, 'one call and two retries');
  });
});
