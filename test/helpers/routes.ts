/** Routes anyone may call. Everything else must demand a key: a new route without auth fails the tests that use this. */
export const PUBLIC_ROUTES = new Set([
  'GET /api/health',
  'GET /health',
  'GET /openapi.json',
  'GET /api/docs-json',
  'GET /api/docs-yaml',
  // The dashboard's static files: the page asks for the key and sends it with every API call.
  'GET /',
  'GET /index.html',
  'GET /app.js',
  'GET /documents.js',
  'GET /styles.css',
  'GET /favicon.svg',
  'GET /oauth-consent.html',
  'GET /oauth-consent.js',
  // OAuth (MCP_OAUTH_ENABLED): metadata, registration, authorize, token and revocation are for
  // clients without a key (the MCP SDK's handlers check their input; approval needs an admin key).
  ...[
    '/.well-known/oauth-authorization-server',
    '/.well-known/oauth-protected-resource',
    '/.well-known/oauth-protected-resource/mcp',
    '/authorize',
    '/token',
    '/register',
    '/revoke',
  ].flatMap((path) => [`GET ${path}`, `POST ${path}`]),
]);

export const isDocsAsset = (url: string): boolean => url === '/api/docs' || url.startsWith('/api/docs/');

/** A route template made callable: parameters get well-formed values. */
export function concrete(url: string): string {
  return url
    .replace(':content_hash', 'a'.repeat(64))
    .replace(':backup_id', 'backup-20000101-000000')
    .replace(/:[A-Za-z_]+/g, 'x')
    .replace('*', 'x');
}
