import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadBridgeConfig } from '../config/bridge-config.js';
import { certificateSha256 } from '../https/https-credentials.js';
import { RemoteCallError, RestClient } from '../mcp/bridge/rest-client.js';
import { makeSelfSignedCert } from '../../test/helpers/tls-proxy.js';
import { PinnedCertificateAgent } from './pinned-certificate-agent.js';

describe('PinnedCertificateAgent (trusting the certificate a server advertised)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinned-'));
  const requests: string[] = [];
  let url: string;
  let fingerprint: string;
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}');
  });

  before(async () => {
    const { certFile, keyFile } = makeSelfSignedCert(dir);
    const cert = readFileSync(certFile, 'utf8');
    fingerprint = certificateSha256(cert);
    server.setSecureContext({ cert, key: readFileSync(keyFile) });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (agent: PinnedCertificateAgent): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(`${url}/api/health`, { agent }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it('accepts the self-signed certificate whose fingerprint was advertised (with or without colons, any case)', async () => {
    assert.equal(await get(new PinnedCertificateAgent(fingerprint)), 200);
    const colons = fingerprint.toUpperCase().match(/../g)!.join(':');
    assert.equal(await get(new PinnedCertificateAgent(colons)), 200);
  });

  it('refuses another certificate before sending anything', async () => {
    const before = requests.length;
    await assert.rejects(get(new PinnedCertificateAgent('ab'.repeat(32))), (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, 'CERT_FINGERPRINT_MISMATCH');
      assert.match(error.message, /not the one it advertised/);
      return true;
    });
    assert.equal(requests.length, before, 'the request reached a server whose certificate did not match');
  });

  it('MCP_MEMORY_TLS_FINGERPRINT is read as the server prints it, and anything else is refused naming the variable', () => {
    const colons = fingerprint.toUpperCase().replace(/(..)(?!$)/gu, '$1:');
    assert.equal(loadBridgeConfig({ MCP_MEMORY_TLS_FINGERPRINT: colons }).tlsFingerprint, fingerprint);
    assert.equal(loadBridgeConfig({}).tlsFingerprint, null);
    for (const bad of ['abc', 'zz'.repeat(32), `${fingerprint}00`]) {
      assert.throws(() => loadBridgeConfig({ MCP_MEMORY_TLS_FINGERPRINT: bad }), /MCP_MEMORY_TLS_FINGERPRINT.*64 hex digits/u);
    }
  });

  it('the bridge client keeps the key from a server with another certificate, and says why', async () => {
    const config = loadBridgeConfig({ MCP_MEMORY_HTTP_ENDPOINT: `${url}/api`, MCP_MEMORY_API_KEY: 'secret-key', MCP_MEMORY_HTTP_RETRIES: '0' });
    const pinned = new RestClient(config, config.endpoint!, fingerprint);
    const impostor = new RestClient(config, config.endpoint!, 'cd'.repeat(32));
    try {
      assert.deepEqual(await pinned.call('GET', '/health'), { status: 'healthy' });
      assert.match(requests.at(-1)!, /^GET \/api\/health Bearer secret-key$/);
      const before = requests.length;
      await assert.rejects(
        impostor.call('GET', '/health'),
        (error: Error) => error instanceof RemoteCallError && /Refused to talk to .*not the one it advertised/.test(error.message),
      );
      assert.equal(requests.length, before);
    } finally {
      pinned.close();
      impostor.close();
    }
  });
});
