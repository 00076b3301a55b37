import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir, startTestServer } from './helpers/test-server.js';
import { makeSelfSignedCert } from './helpers/tls-proxy.js';

/** GET over TLS trusting exactly `ca`; resolves with status and the server's certificate fingerprint. */
function getTrusting(url: string, ca: Buffer | null): Promise<{ status: number; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...(ca ? { ca } : {}) }, (res) => {
      const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS', () => {
  it('generates a self-signed certificate once, trusted clients connect, and it is reused on restart', async () => {
    const dir = makeTempDir('https-');
    try {
      const first = await startTestServer({ dir, env: { MCP_HTTPS_ENABLED: 'true' } });
      assert.match(first.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const certFile = join(dir, 'certs', 'server.crt');
      const cert = readFileSync(certFile);
      assert.equal(first.https?.certFile, certFile);
      assert.equal(first.https?.selfSigned, true);
      const san = new X509Certificate(cert).subjectAltName ?? '';
      assert.match(san, /DNS:localhost/);
      assert.match(san, /IP Address:127\.0\.0\.1/);
      const trusted = await getTrusting(`${first.url}/api/health`, cert);
      assert.equal(trusted.status, 200);
      await assert.rejects(getTrusting(`${first.url}/api/health`, null), /self-signed|unable to verify/i);
      await first.stop();

      const second = await startTestServer({ dir, env: { MCP_HTTPS_ENABLED: 'true' } });
      try {
        assert.deepEqual(readFileSync(certFile), cert, 'the certificate was regenerated');
        const again = await getTrusting(`${second.url}/api/health`, cert);
        assert.equal(again.fingerprint, trusted.fingerprint);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serves the operator's certificate and key files", async () => {
    const dir = makeTempDir('https-own-');
    try {
      const { certFile, keyFile } = makeSelfSignedCert(dir);
      const server = await startTestServer({ dir, env: { MCP_HTTPS_ENABLED: 'true', MCP_SSL_CERT_FILE: certFile, MCP_SSL_KEY_FILE: keyFile } });
      try {
        const res = await getTrusting(`${server.url}/api/health`, readFileSync(certFile));
        assert.equal(res.status, 200);
        assert.equal(res.fingerprint, new X509Certificate(readFileSync(certFile)).fingerprint256);
        assert.equal(server.https?.selfSigned, false);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with an unreadable or mismatched file, naming it', async () => {
    const dir = makeTempDir('https-bad-');
    try {
      const one = makeSelfSignedCert(dir);
      const otherDir = join(dir, 'other');
      mkdirSync(otherDir);
      const other = makeSelfSignedCert(otherDir);
      await assert.rejects(
        startTestServer({ dir, env: { MCP_HTTPS_ENABLED: 'true', MCP_SSL_CERT_FILE: one.certFile, MCP_SSL_KEY_FILE: other.keyFile } }),
        (error: Error) => error.message.includes(other.keyFile) && error.message.includes(one.certFile),
      );
      await assert.rejects(
        startTestServer({ dir, env: { MCP_HTTPS_ENABLED: 'true', MCP_SSL_CERT_FILE: join(dir, 'missing.crt'), MCP_SSL_KEY_FILE: one.keyFile } }),
        /missing\.crt/,
      );
      await assert.rejects(startTestServer({ dir, env: { MCP_HTTPS_ENABLED: 'true', MCP_SSL_CERT_FILE: one.certFile } }), /MCP_SSL_KEY_FILE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
