import { auth, exchangeAuthorization, refreshAuthorization, UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/http.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { TEST_BACKENDS } from './helpers/postgres.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { waitUntil } from './helpers/wait.js';

const ADMIN_KEY = 'oauth-admin-key-0123456789abcdef';
const REDIRECT = 'http://127.0.0.1:9/callback';

/** An MCP client's OAuth state, as the SDK's client-side support keeps it (in memory here). */
class MemoryOAuthProvider implements OAuthClientProvider {
  information: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | null = null;

  constructor(
    private readonly name: string,
    private readonly scope?: string,
  ) {}

  get redirectUrl(): string {
    return REDIRECT;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...(this.scope === undefined ? {} : { scope: this.scope }),
    };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.information;
  }

  saveClientInformation(information: OAuthClientInformationMixed): void {
    this.information = information;
  }

  tokens(): OAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }
}

/** The operator's side: follow the authorization URL to the consent page, approve with the admin key, return the code. */
async function approve(
  server: TestServer,
  authorizationUrl: URL,
  scopes?: string[],
  spaces?: { write?: string[]; read?: string[] },
): Promise<{ code: string; redirect: URL; requestId: string }> {
  const start = await fetch(authorizationUrl, { redirect: 'manual' });
  assert.equal(start.status, 302, await start.clone().text());
  const consent = new URL(start.headers.get('location')!);
  assert.equal(consent.pathname, '/oauth-consent.html');
  const requestId = consent.searchParams.get('request')!;
  const admin = new ApiClient(server.url, ADMIN_KEY);
  const decided = await admin.post(`/api/oauth/authorizations/${requestId}/approve`, {
    ...(scopes === undefined ? {} : { scopes }),
    ...(spaces === undefined ? {} : { spaces }),
  });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));
  const redirect = new URL(decided.body.redirect_to as string);
  assert.equal(`${redirect.origin}${redirect.pathname}`, REDIRECT);
  assert.equal(redirect.searchParams.get('state'), authorizationUrl.searchParams.get('state'));
  return { code: redirect.searchParams.get('code')!, redirect, requestId };
}

/** The SDK client's whole flow: 401 -> discovery -> registration -> PKCE authorization -> operator approval -> token. */
async function authorizeWithSdk(server: TestServer, provider: MemoryOAuthProvider, scopes?: string[]): Promise<void> {
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { authProvider: provider });
  const client = new Client({ name: 'oauth-tests', version: '1.0.0' });
  await assert.rejects(client.connect(transport), UnauthorizedError);
  assert.ok(provider.authorizationUrl, 'the SDK was sent to the authorization endpoint');
  assert.equal(provider.authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
  const { code } = await approve(server, provider.authorizationUrl, scopes);
  await transport.finishAuth(code);
  await client.close();
  assert.ok(provider.saved?.access_token.startsWith('mmo_at_'));
}

async function connect(server: TestServer, provider: MemoryOAuthProvider): Promise<Client> {
  const client = new Client({ name: 'oauth-tests', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { authProvider: provider }));
  return client;
}

/**
 * Whether /mcp takes a bearer token: a raw message outside any session (no session is created, so
 * polling cannot fill the session limit). An accepted token gets the transport's own answer (400/404).
 */
async function mcpStatus(server: TestServer, token: string): Promise<{ status: number; accepted: boolean; challenge: string | null; detail: string | null }> {
  const res = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  const body = (await res.json()) as { detail?: string };
  return {
    status: res.status,
    accepted: res.status !== 401 && res.status !== 403,
    challenge: res.headers.get('www-authenticate'),
    detail: body.detail ?? null,
  };
}

const pkce = (): { verifier: string; challenge: string } => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

async function register(server: TestServer, metadata: Record<string, unknown>): Promise<{ status: number; body: Record<string, any> }> {
  return new ApiClient(server.url).post('/register', metadata, { apiKey: null });
}

function authorizationUrl(server: TestServer, params: Record<string, string>): URL {
  const url = new URL(`${server.url}/authorize`);
  for (const [name, value] of Object.entries({ response_type: 'code', code_challenge_method: 'S256', state: 'st-1', ...params }))
    url.searchParams.set(name, value);
  return url;
}

async function token(server: TestServer, form: Record<string, string>): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

for (const backend of TEST_BACKENDS) {
  describe(`OAuth 2.1 for /mcp with the MCP SDK's client (${backend})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer({
        backend,
        // Access tokens live 6 s here, so expiry and refresh happen within the test.
        env: {
          MCP_API_KEY: ADMIN_KEY,
          MCP_OAUTH_ENABLED: 'true',
          MCP_OAUTH_ACCESS_TOKEN_EXPIRE_MINUTES: '0.1',
          MCP_AUTH_MAX_FAILURES: '100000',
          MCP_METRICS_ENABLED: 'true',
        },
      });
    });
    after(async () => {
      await server.cleanup();
    });

    it('publishes the metadata: protected resource (root and /mcp), authorization server; a 401 points to it', async () => {
      const anonymous = new ApiClient(server.url);
      const resource = await anonymous.get('/.well-known/oauth-protected-resource/mcp');
      assert.equal(resource.status, 200);
      assert.equal(resource.body.resource, `${server.url}/mcp`);
      assert.deepEqual(resource.body.scopes_supported, ['read', 'write']);
      assert.deepEqual((await anonymous.get('/.well-known/oauth-protected-resource')).body, resource.body);
      const metadata = await anonymous.get('/.well-known/oauth-authorization-server');
      assert.equal(metadata.status, 200);
      assert.equal(new URL(metadata.body.issuer).origin, server.url);
      assert.deepEqual(metadata.body.code_challenge_methods_supported, ['S256']);
      for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'revocation_endpoint']) {
        assert.ok(String(metadata.body[endpoint]).startsWith(server.url), endpoint);
      }
      const refused = await mcpStatus(server, 'not-a-key');
      assert.equal(refused.status, 403);
      const missing = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(missing.status, 401);
      assert.equal(missing.headers.get('www-authenticate'), `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
    });

    it('registration, PKCE, consent, token, tool calls, refresh with rotation, reuse detection, revocation', async () => {
      const provider = new MemoryOAuthProvider('E2E connector');
      await authorizeWithSdk(server, provider, ['read', 'write']);
      const clientId = provider.information!.client_id;
      const first = provider.saved!;
      assert.equal(first.scope, 'read write');
      assert.ok(first.refresh_token?.startsWith('mmo_rt_'));

      // Tool calls with the token: the client's label is the actor.
      let client = await connect(server, provider);
      const stored = await callTool(client, 'memory_store', { content: 'Stored through an OAuth connector', tags: ['oauth'] });
      assert.ok(!stored.isError, textOf(stored));
      const found = await new ApiClient(server.url, ADMIN_KEY).get('/api/memories?tag=oauth');
      assert.equal(found.body.memories[0].metadata.stored_by, `oauth:${clientId}`);
      await client.close();

      // The grant is listed for the operator.
      const grants = await new ApiClient(server.url, ADMIN_KEY).get('/api/admin/oauth/grants');
      const grant = grants.body.grants.find((g: { client_id: string }) => g.client_id === clientId);
      assert.deepEqual(
        { name: grant.client_name, scopes: grant.scopes, by: grant.approved_by },
        { name: 'E2E connector', scopes: ['read', 'write'], by: 'MCP_API_KEY' },
      );

      // The access token expires (6 s here): 401 invalid_token, and the SDK refreshes by itself.
      await waitUntil(async () => (await mcpStatus(server, first.access_token)).status === 401, { timeoutMs: 60_000, what: 'the access token to expire' });
      const expired = await mcpStatus(server, first.access_token);
      assert.match(expired.challenge ?? '', /^Bearer error="invalid_token", error_description="The access token expired; refresh it", resource_metadata="/);
      client = await connect(server, provider);
      assert.ok(!(await callTool(client, 'memory_list', {})).isError);
      await client.close();
      const second = provider.saved!;
      assert.notEqual(second.refresh_token, first.refresh_token, 'the refresh token rotates');
      assert.notEqual(second.access_token, first.access_token);

      // The first refresh token again: reuse, so the whole grant is revoked.
      const metadata = (await new ApiClient(server.url).get('/.well-known/oauth-authorization-server')).body;
      await assert.rejects(
        refreshAuthorization(server.url, { metadata, clientInformation: provider.information!, refreshToken: first.refresh_token! }),
        /already used/,
      );
      assert.equal((await mcpStatus(server, second.access_token)).status, 401, 'tokens of a revoked grant stop working');
      await assert.rejects(
        refreshAuthorization(server.url, { metadata, clientInformation: provider.information!, refreshToken: second.refresh_token! }),
        /revoked/,
      );

      // A new authorization; the client revokes its refresh token (RFC 7009): the grant goes with it.
      const again = new MemoryOAuthProvider('E2E connector (again)');
      await authorizeWithSdk(server, again);
      assert.equal(again.saved!.scope, 'read write', 'what the metadata lists');
      assert.ok((await mcpStatus(server, again.saved!.access_token)).accepted);
      const revoked = await fetch(`${server.url}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: again.saved!.refresh_token!, client_id: again.information!.client_id }),
      });
      assert.equal(revoked.status, 200);
      const afterRevoke = await mcpStatus(server, again.saved!.access_token);
      assert.equal(afterRevoke.status, 401);
      assert.equal(afterRevoke.detail, 'The access token was revoked');

      // The endpoints are in the request log under their own paths; no token or code ever is.
      assert.ok(server.logs.some((line) => line.msg === 'request' && line.path === '/token' && line.status === 200));
      for (const secret of [first.access_token, first.refresh_token!, second.access_token, second.refresh_token!, again.saved!.refresh_token!]) {
        assert.ok(!server.rawLogs().includes(secret), 'no token in the logs');
      }
    });

    it('a read-only grant sees read tools only; the operator can narrow scopes and revoke a grant', async () => {
      // Asks for read and write (the scopes the metadata lists); the operator grants read only.
      const provider = new MemoryOAuthProvider('Reader connector');
      const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { authProvider: provider });
      const pending = new Client({ name: 'oauth-tests', version: '1.0.0' });
      await assert.rejects(pending.connect(transport), UnauthorizedError);
      const { code } = await approve(server, provider.authorizationUrl!, ['read']);
      await transport.finishAuth(code);
      assert.equal(provider.saved!.scope, 'read');
      const client = await connect(server, provider);
      const tools = (await client.listTools()).tools;
      assert.ok(tools.length > 0 && tools.every((tool) => tool.annotations?.readOnlyHint === true), 'read tools only');
      const write = await callTool(client, 'memory_store', { content: 'A reader may not store' });
      assert.equal(write.isError, true);
      assert.match(textOf(write), /lacks the write scope/);
      await client.close();

      const admin = new ApiClient(server.url, ADMIN_KEY);
      const grant = (await admin.get('/api/admin/oauth/grants')).body.grants.find((g: { client_name: string }) => g.client_name === 'Reader connector');
      assert.equal((await admin.delete(`/api/admin/oauth/grants/${grant.id}`)).status, 204);
      assert.equal((await admin.delete(`/api/admin/oauth/grants/${grant.id}`)).status, 404);
      assert.equal((await mcpStatus(server, provider.saved!.access_token)).status, 401);
    });

    it('the operator binds a grant to spaces: its tools store into them and see nothing else', async () => {
      const admin = new ApiClient(server.url, ADMIN_KEY);
      await admin.post('/api/memories', { content: 'Outside the grant: the vault combination is 4-8-15', space: 'vault' });
      await admin.post('/api/memories', { content: 'The docs say deploys need two approvals', space: 'docs' });
      const provider = new MemoryOAuthProvider('Spaces connector');
      const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { authProvider: provider });
      await assert.rejects(new Client({ name: 'oauth-tests', version: '1.0.0' }).connect(transport), UnauthorizedError);
      const { code } = await approve(server, provider.authorizationUrl!, undefined, { write: ['team'], read: ['docs'] });
      await transport.finishAuth(code);
      const client = await connect(server, provider);
      try {
        const stored = await callTool(client, 'memory_store', { content: 'Stored through OAuth into the team space' });
        assert.equal((stored.structuredContent as { memory: { space: string } }).memory.space, 'team');
        const vault = await callTool(client, 'memory_search', { query: 'vault combination', store: 'all', mode: 'keyword' });
        assert.equal((vault.structuredContent as { total_found: number }).total_found, 0);
        const docs = await callTool(client, 'memory_search', { query: 'deploys approvals', mode: 'keyword' });
        assert.deepEqual(
          (docs.structuredContent as { results: { memory: { space: string } }[] }).results.map((r) => r.memory.space),
          ['docs'],
        );
        const refused = await callTool(client, 'memory_store', { content: 'Into docs through OAuth', store: 'docs' });
        assert.equal(refused.isError, true);
        assert.match(textOf(refused), /may not write the space "docs"/);
      } finally {
        await client.close();
      }
      const grant = (await admin.get('/api/admin/oauth/grants')).body.grants.find((g: { client_name: string }) => g.client_name === 'Spaces connector');
      assert.deepEqual(grant.spaces, { write: ['team'], read: ['docs'] });
    });

    it('refuses bad inputs: redirect URI, PKCE method and verifier, replayed code, another resource, denial, bad tokens', async () => {
      const registered = await register(server, { client_name: 'Raw client', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' });
      assert.equal(registered.status, 201);
      const clientId = registered.body.client_id as string;
      const { verifier, challenge } = pkce();

      // Registration refuses dangerous redirect URIs.
      const bad = await register(server, { client_name: 'Evil', redirect_uris: ['javascript:alert(1)'], token_endpoint_auth_method: 'none' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error, 'invalid_client_metadata');

      // A redirect URI that was not registered: answered here, never redirected.
      const wrongRedirect = await fetch(authorizationUrl(server, { client_id: clientId, code_challenge: challenge, redirect_uri: 'http://evil.example/cb' }), {
        redirect: 'manual',
      });
      assert.equal(wrongRedirect.status, 400);
      assert.equal(((await wrongRedirect.json()) as { error: string }).error, 'invalid_request');
      // An unknown client.
      assert.equal((await fetch(authorizationUrl(server, { client_id: 'nobody', code_challenge: challenge }), { redirect: 'manual' })).status, 400);
      // PKCE "plain" is refused (S256 only): answered here (400), not sent back to the client.
      const plain = await fetch(authorizationUrl(server, { client_id: clientId, code_challenge: verifier, code_challenge_method: 'plain' }), {
        redirect: 'manual',
      });
      assert.deepEqual([plain.status, plain.headers.get('location'), ((await plain.json()) as { error: string }).error], [400, null, 'invalid_request']);
      // A token for another resource is not issued.
      const other = await fetch(authorizationUrl(server, { client_id: clientId, code_challenge: challenge, resource: 'https://other.example/mcp' }), {
        redirect: 'manual',
      });
      assert.deepEqual([other.status, ((await other.json()) as { error: string }).error], [400, 'invalid_target']);

      // The consent API needs an admin key; unknown and decided requests are told apart.
      const start = await fetch(authorizationUrl(server, { client_id: clientId, code_challenge: challenge, scope: 'read' }), { redirect: 'manual' });
      const requestId = new URL(start.headers.get('location')!).searchParams.get('request')!;
      assert.equal((await new ApiClient(server.url).get(`/api/oauth/authorizations/${requestId}`)).status, 401);
      assert.equal((await new ApiClient(server.url, 'wrong-key').post(`/api/oauth/authorizations/${requestId}/approve`, {})).status, 403);
      const admin = new ApiClient(server.url, ADMIN_KEY);
      const shown = await admin.get(`/api/oauth/authorizations/${requestId}`);
      assert.deepEqual(
        { name: shown.body.client_name, scopes: shown.body.scopes, resource: shown.body.resource },
        { name: 'Raw client', scopes: ['read'], resource: `${server.url}/mcp` },
      );
      assert.equal((await admin.get('/api/oauth/authorizations/unknown')).status, 404);
      const widened = await admin.post(`/api/oauth/authorizations/${requestId}/approve`, { scopes: ['read', 'write'] });
      assert.equal(widened.status, 400, 'the operator cannot grant more than was asked');
      assert.match(widened.body.detail, /choose one or more of the scopes asked for \(read\)/);
      assert.equal((await admin.post(`/api/oauth/authorizations/${requestId}/approve`, { scopes: ['admin'] })).status, 400);
      const approved = await admin.post(`/api/oauth/authorizations/${requestId}/approve`, {});
      assert.equal(approved.status, 200);
      assert.equal((await admin.post(`/api/oauth/authorizations/${requestId}/approve`, {})).status, 409);
      const code = new URL(approved.body.redirect_to).searchParams.get('code')!;

      // Wrong verifier, wrong redirect URI: refused, and the code still works once with the right ones.
      const form = { grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: REDIRECT };
      const wrongVerifier = await token(server, { ...form, code_verifier: pkce().verifier });
      assert.deepEqual([wrongVerifier.status, wrongVerifier.body.error], [400, 'invalid_grant']);
      const wrongUri = await token(server, { ...form, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:9/elsewhere' });
      assert.deepEqual([wrongUri.status, wrongUri.body.error], [400, 'invalid_grant']);
      const issued = await token(server, { ...form, code_verifier: verifier });
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      assert.equal(issued.body.token_type, 'Bearer');
      assert.equal(issued.body.scope, 'read');
      assert.ok((await mcpStatus(server, issued.body.access_token)).accepted);
      // The same code again: refused, and what it issued is revoked.
      const replayed = await token(server, { ...form, code_verifier: verifier });
      assert.deepEqual([replayed.status, replayed.body.error], [400, 'invalid_grant']);
      assert.equal((await mcpStatus(server, issued.body.access_token)).detail, 'The access token was revoked');
      // The SDK's own exchange gets the same answer.
      const metadata = (await new ApiClient(server.url).get('/.well-known/oauth-authorization-server')).body;
      await assert.rejects(
        exchangeAuthorization(server.url, {
          metadata,
          clientInformation: { client_id: clientId },
          authorizationCode: code,
          codeVerifier: verifier,
          redirectUri: REDIRECT,
        }),
        /already used/,
      );

      // Denied: the browser goes back with access_denied.
      const denyStart = await fetch(authorizationUrl(server, { client_id: clientId, code_challenge: challenge, scope: 'offline_access openid' }), {
        redirect: 'manual',
      });
      const denyId = new URL(denyStart.headers.get('location')!).searchParams.get('request')!;
      assert.deepEqual(
        (await admin.get(`/api/oauth/authorizations/${denyId}`)).body.scopes,
        ['read', 'write'],
        'scopes this server does not know are left out',
      );
      const denied = await admin.post(`/api/oauth/authorizations/${denyId}/deny`, {});
      assert.equal(new URL(denied.body.redirect_to).searchParams.get('error'), 'access_denied');

      // Tokens that are not ours, and the token endpoint with garbage.
      const forged = await mcpStatus(server, `mmo_at_${randomBytes(32).toString('base64url')}`);
      assert.equal(forged.status, 401);
      assert.match(forged.challenge ?? '', /error="invalid_token"/);
      const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
      assert.match(metrics, /^mcp_memory_auth_failures_total\{reason="invalid_oauth_token"\} [1-9]/m);
      assert.equal((await token(server, { grant_type: 'password', client_id: clientId })).body.error, 'unsupported_grant_type');
      assert.equal((await token(server, { grant_type: 'refresh_token', client_id: clientId, refresh_token: 'mmo_rt_nope' })).body.error, 'invalid_grant');
      assert.equal(
        (await token(server, { grant_type: 'authorization_code', client_id: 'nobody', code: 'x', code_verifier: 'y' })).body.error,
        'invalid_client',
      );
      // The SDK's auth() against this server with nothing stored starts a fresh authorization.
      const fresh = new MemoryOAuthProvider('auth() only');
      assert.equal(await auth(fresh, { serverUrl: `${server.url}/mcp` }), 'REDIRECT');
    });
  });
}

describe('OAuth state persists, and tokens are bound to the resource (the issuer)', () => {
  it('a token works after a restart on the same address, and not on a server with another issuer', async () => {
    const env = { MCP_API_KEY: ADMIN_KEY, MCP_OAUTH_ENABLED: 'true' };
    const first = await startTestServer({ env });
    const port = new URL(first.url).port;
    const provider = new MemoryOAuthProvider('Persistent connector');
    let second: TestServer | null = null;
    let third: TestServer | null = null;
    try {
      await authorizeWithSdk(first, provider);
      await first.stop();
      second = await startTestServer({ dir: first.dir, env: { ...env, MCP_HTTP_PORT: port } });
      assert.ok((await mcpStatus(second, provider.saved!.access_token)).accepted, 'the grant and its token survived the restart');
      await second.stop();
      third = await startTestServer({ dir: first.dir, env: { ...env, MCP_OAUTH_ISSUER: 'https://memory.example.com' } });
      const other = await mcpStatus(third, provider.saved!.access_token);
      assert.equal(other.status, 401);
      assert.equal(other.detail, `The access token was issued for another resource (http://127.0.0.1:${port}/mcp)`);
      assert.match(other.challenge ?? '', /resource_metadata="https:\/\/memory\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"/);
    } finally {
      await third?.stop();
      await second?.stop();
      await first.cleanup();
    }
  });

  it('refuses to start OAuth without keys, or on a LAN address without MCP_OAUTH_ISSUER, or with a bad issuer', async () => {
    await assert.rejects(startTestServer({ env: { MCP_OAUTH_ENABLED: 'true' } }), /MCP_OAUTH_ENABLED needs MCP_API_KEY or MCP_API_KEYS_FILE/);
    await assert.rejects(startTestServer({ env: { MCP_OAUTH_ENABLED: 'true', MCP_API_KEY: ADMIN_KEY, MCP_HTTP_HOST: '0.0.0.0' } }), /needs MCP_OAUTH_ISSUER/);
    await assert.rejects(
      startTestServer({ env: { MCP_OAUTH_ENABLED: 'true', MCP_API_KEY: ADMIN_KEY, MCP_OAUTH_ISSUER: 'http://memory.example.com' } }),
      /MCP_OAUTH_ISSUER must be an https:\/\/ URL/,
    );
    await assert.rejects(
      startTestServer({ env: { MCP_OAUTH_ENABLED: 'true', MCP_API_KEY: ADMIN_KEY, MCP_OAUTH_ISSUER: 'https://memory.example.com/memory' } }),
      /origin only/,
    );
  });

  it('without MCP_OAUTH_ENABLED there are no OAuth endpoints (discovery finds 404)', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: ADMIN_KEY } });
    try {
      const anonymous = new ApiClient(server.url);
      assert.equal((await anonymous.get('/.well-known/oauth-protected-resource')).status, 404);
      assert.equal((await anonymous.get('/.well-known/oauth-authorization-server')).status, 404);
      const missing = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    } finally {
      await server.cleanup();
    }
  });
});

describe('OAuth endpoints under hostile input', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: ADMIN_KEY, MCP_OAUTH_ENABLED: 'true' } });
  });
  after(async () => {
    await server.cleanup();
  });

  it('answers garbage with a 4xx (or a redirect to a registered URI), never a 5xx; a foreign page cannot use the consent API', async () => {
    const registered = await register(server, { client_name: 'Fuzzed', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' });
    const clientId = registered.body.client_id as string;
    const nasty = ["'; DROP TABLE oauth_tokens; --", '\u0000', '%00', '__proto__', 'a'.repeat(5000), '\ud800', 'javascript:alert(1)', '../../etc/passwd', ''];
    const bodies: [string, string][] = [
      ['application/json', '{"__proto__": {"polluted": true}}'],
      ['application/json', `${'['.repeat(3000)}${']'.repeat(3000)}`],
      ['application/json', '{"redirect_uris": "not a list"}'],
      ['application/x-www-form-urlencoded', 'grant_type=authorization_code&code[]=1&code_verifier[x]=2'],
      ['application/x-www-form-urlencoded', `grant_type=refresh_token&refresh_token=${'x'.repeat(200_000)}`],
      ['text/plain', 'hello'],
      ['application/xml', '<a/>'],
    ];
    const requests: { path: string; init: RequestInit }[] = [];
    for (const path of ['/authorize', '/token', '/register', '/revoke']) {
      for (const [type, body] of bodies) requests.push({ path, init: { method: 'POST', headers: { 'content-type': type }, body } });
      for (const value of nasty) {
        const form = new URLSearchParams({
          client_id: value === '' ? clientId : value,
          code: value,
          code_verifier: value,
          grant_type: value,
          token: value,
          redirect_uri: value,
        });
        requests.push({ path, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form } });
        const query = new URLSearchParams({
          client_id: clientId,
          response_type: 'code',
          code_challenge: value,
          code_challenge_method: 'S256',
          redirect_uri: REDIRECT,
          scope: value,
          state: value,
          resource: value,
        });
        requests.push({ path: `${path}?${query}`, init: { method: 'GET' } });
      }
      requests.push({ path, init: { method: 'DELETE' } });
    }
    for (const { path, init } of requests) {
      const res = await fetch(`${server.url}${path}`, { ...init, redirect: 'manual' });
      const what = `${init.method} ${path.slice(0, 80)}`;
      assert.ok(res.status < 500, `${what}: ${res.status}`);
      if (res.status >= 300 && res.status < 400) {
        const location = new URL(res.headers.get('location')!);
        assert.ok(
          `${location.origin}${location.pathname}` === REDIRECT || location.pathname === '/oauth-consent.html',
          `${what} redirected to ${location.href}`,
        );
      }
      await res.arrayBuffer();
    }
    // The consent API is an ordinary admin route: a page on another site cannot call it, even with the key.
    const start = await fetch(authorizationUrl(server, { client_id: clientId, code_challenge: pkce().challenge }), { redirect: 'manual' });
    const requestId = new URL(start.headers.get('location')!).searchParams.get('request')!;
    const foreign = await fetch(`${server.url}/api/oauth/authorizations/${requestId}/approve`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(foreign.status, 403);
    assert.equal((await new ApiClient(server.url, ADMIN_KEY).get(`/api/oauth/authorizations/${requestId}`)).body.status, 'pending');
  });
});
