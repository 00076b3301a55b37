import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const ADMIN_KEY = 'oauth-hostile-admin-key-0123456789';

/** What a stranger can do without any key: register a client (registration is open, RFC 7591). */
async function register(server: TestServer, metadata: Record<string, unknown>) {
  return new ApiClient(server.url).post('/register', { client_name: 'stranger', token_endpoint_auth_method: 'none', ...metadata });
}

const form = (fields: Record<string, string>): { rawBody: string; headers: Record<string, string> } => ({
  rawBody: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

describe('OAuth against a hostile client', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: ADMIN_KEY, MCP_OAUTH_ENABLED: 'true', MCP_AUTH_MAX_FAILURES: '100000' } });
  });
  after(async () => {
    await server.cleanup();
  });

  it('answers a bad authorization request with 400 on the server, never a redirect to the registered address', async () => {
    const registered = await register(server, { redirect_uris: ['https://evil.example/steal'] });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const clientId = registered.body.client_id as string;
    const cases = [
      // No PKCE at all (the advisory's request).
      `response_type=code&client_id=${clientId}&redirect_uri=https://evil.example/steal`,
      // PKCE with a method other than S256.
      `response_type=code&client_id=${clientId}&redirect_uri=https://evil.example/steal&code_challenge=abc&code_challenge_method=plain&state=x`,
      // Another response type.
      `response_type=token&client_id=${clientId}&code_challenge=abc&code_challenge_method=S256`,
    ];
    for (const query of cases) {
      const res = await fetch(`${server.url}/authorize?${query}`, { redirect: 'manual' });
      assert.equal(res.status, 400, query);
      assert.equal(res.headers.get('location'), null, query);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.error, 'invalid_request', query);
      assert.match(String(body.detail), /refused/);
    }
    // A well-formed request still goes to the operator's consent page (and nowhere else).
    const good = await fetch(
      `${server.url}/authorize?response_type=code&client_id=${clientId}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256&state=s`,
      {
        redirect: 'manual',
      },
    );
    assert.equal(good.status, 302);
    assert.equal(new URL(good.headers.get('location')!).pathname, '/oauth-consent.html');
  });

  it('refuses redirect URIs with a fragment, other schemes than https, and plain http to another machine', async () => {
    for (const uri of [
      'https://app.example/cb#fragment',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,hi',
      'myapp://callback',
      'http://evil.example/cb',
      'http://10.0.0.5:8080/cb',
    ]) {
      const res = await register(server, { redirect_uris: [uri] });
      assert.equal(res.status, 400, uri);
      // The SDK's own schema already refuses some schemes (javascript:, data:) as invalid metadata.
      assert.ok(['invalid_redirect_uri', 'invalid_client_metadata'].includes(res.body.error), `${uri}: ${res.body.error}`);
    }
    // A bad one among good ones is refused whole.
    assert.equal((await register(server, { redirect_uris: ['https://app.example/cb', 'http://evil.example/cb'] })).status, 400);
    for (const uri of ['https://app.example/cb', 'http://127.0.0.1:33418/cb', 'http://localhost:6274/oauth/callback', 'http://[::1]:3000/cb']) {
      assert.equal((await register(server, { redirect_uris: [uri] })).status, 201, uri);
    }
  });

  it("keeps a confidential client's secret only as a digest, and still checks it at the token endpoint", async () => {
    const redirect = 'http://127.0.0.1:9/callback';
    const registered = await register(server, { redirect_uris: [redirect], token_endpoint_auth_method: 'client_secret_post' });
    assert.equal(registered.status, 201);
    const { client_id: clientId, client_secret: secret } = registered.body as { client_id: string; client_secret: string };
    assert.match(secret, /^[0-9a-f]{64}$/, 'the secret is shown once, at registration');
    const db = new Database(server.dbPath, { readonly: true });
    const stored = db.prepare('SELECT information FROM oauth_clients WHERE client_id = ?').pluck().get(clientId) as string;
    db.close();
    assert.ok(!stored.includes(secret), 'the database never holds the secret');
    assert.equal(JSON.parse(stored).client_secret_sha256, createHash('sha256').update(secret).digest('hex'));

    // The whole flow: PKCE authorization, the operator's approval, the code exchanged with the secret.
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const start = await fetch(
      `${server.url}/authorize?response_type=code&client_id=${clientId}&redirect_uri=${encodeURIComponent(redirect)}&code_challenge=${challenge}&code_challenge_method=S256&state=st`,
      { redirect: 'manual' },
    );
    const requestId = new URL(start.headers.get('location')!).searchParams.get('request')!;
    const approved = await new ApiClient(server.url, ADMIN_KEY).post(`/api/oauth/authorizations/${requestId}/approve`, {});
    const code = new URL(approved.body.redirect_to as string).searchParams.get('code')!;
    const token = (fields: Record<string, string>) =>
      new ApiClient(server.url).request('/token', {
        method: 'POST',
        ...form({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirect, client_id: clientId, ...fields }),
      });
    const missing = await token({});
    assert.deepEqual([missing.status, missing.body.error], [401, 'invalid_client']);
    const wrong = await token({ client_secret: 'f'.repeat(64) });
    assert.deepEqual([wrong.status, wrong.body.error, wrong.body.error_description], [401, 'invalid_client', 'Invalid client_secret']);
    const right = await token({ client_secret: secret });
    assert.equal(right.status, 200, JSON.stringify(right.body));
    assert.ok(String(right.body.access_token).startsWith('mmo_at_'));
    // Revocation checks the secret the same way.
    const revoke = (fields: Record<string, string>) =>
      new ApiClient(server.url).request('/revoke', { method: 'POST', ...form({ token: right.body.refresh_token, client_id: clientId, ...fields }) });
    assert.equal((await revoke({ client_secret: 'nope' })).status, 401);
    assert.equal((await revoke({ client_secret: secret })).status, 200);
  });
});

describe('OAuth client secrets stored by an earlier release', () => {
  it('are replaced by their digest at start-up, and the client still authenticates with its secret', async () => {
    const env = { MCP_API_KEY: ADMIN_KEY, MCP_OAUTH_ENABLED: 'true' };
    const first = await startTestServer({ env });
    let second: TestServer | null = null;
    try {
      await first.stop();
      // A registration as the earlier release stored it: the secret in clear.
      const secret = randomBytes(32).toString('hex');
      const legacy = {
        client_id: 'legacy-client',
        client_name: 'old',
        redirect_uris: ['http://127.0.0.1:9/cb'],
        token_endpoint_auth_method: 'client_secret_post',
        client_secret: secret,
      };
      const db = new Database(first.dbPath);
      db.prepare('INSERT INTO oauth_clients (client_id, information, created_at) VALUES (?, ?, ?)').run('legacy-client', JSON.stringify(legacy), Date.now());
      db.close();
      second = await startTestServer({ dir: first.dir, env });
      const check = new Database(first.dbPath, { readonly: true });
      const stored = check.prepare("SELECT information FROM oauth_clients WHERE client_id = 'legacy-client'").pluck().get() as string;
      check.close();
      assert.ok(!stored.includes(secret));
      assert.equal(JSON.parse(stored).client_secret_sha256, createHash('sha256').update(secret).digest('hex'));
      const token = (clientSecret: string) =>
        new ApiClient(second!.url).request('/token', {
          method: 'POST',
          ...form({
            grant_type: 'authorization_code',
            code: 'no-such-code',
            code_verifier: 'v'.repeat(43),
            client_id: 'legacy-client',
            client_secret: clientSecret,
          }),
        });
      assert.equal((await token('wrong')).status, 401);
      // The right secret passes client authentication; the made-up code is what fails then.
      const right = await token(secret);
      assert.deepEqual([right.status, right.body.error], [400, 'invalid_grant']);
    } finally {
      await second?.stop();
      await first.cleanup();
    }
  });
});
