import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { createOAuthMetadata, mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { OAuthMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import express, { type Request, type Response } from 'express';
import type { FastifyInstance } from 'fastify';
import { OAUTH_SCOPES, type OAuthService, underIssuer } from './oauth.service.js';

/** Set on the routes below: RequestGate lets them take form and JSON bodies without a key, from any origin. */
const OAUTH_ROUTE_CONFIG = { oauthEndpoint: true };

/** The endpoints the MCP SDK's auth router answers (RFC 8414 and 9728 metadata, RFC 7591 registration, authorize, token, RFC 7009 revocation). */
const OAUTH_PATHS = [
  '/.well-known/oauth-authorization-server',
  '/.well-known/oauth-protected-resource',
  '/.well-known/oauth-protected-resource/mcp',
  '/authorize',
  '/token',
  '/register',
  '/revoke',
];

/** The SDK's per-address limits stay on; Fastify has already decided the client address (MCP_TRUST_PROXY). */
const RATE_LIMIT = { rateLimit: { validate: false } };

/**
 * The SDK reports a bad authorization request (no PKCE, a bad scope...) by redirecting to the
 * client's redirect URI; registration is open to anyone, so that would let any page send people
 * from this server's origin to any address (RFC 9700 §4.11.2). Such errors are answered here,
 * 400 with the error, never redirected; the redirect to the consent page is the only one left.
 */
function answerAuthorizationErrors(_req: Request, res: Response, next: express.NextFunction): void {
  const redirect = res.redirect.bind(res) as (status: number, url: string) => void;
  res.redirect = ((statusOrUrl: number | string, url?: string) => {
    const target = typeof statusOrUrl === 'string' ? statusOrUrl : url!;
    const query = new URL(target, 'http://server.invalid').searchParams;
    const error = query.get('error');
    if (error === null) return redirect(typeof statusOrUrl === 'number' ? statusOrUrl : 302, target);
    const description = query.get('error_description') ?? error;
    res.setHeader('Cache-Control', 'no-store');
    res.status(400).json({ error, error_description: description, detail: `The authorization request was refused: ${description}` });
  }) as Response['redirect'];
  next();
}

/**
 * The SDK's authorization server metadata, with its endpoints under the issuer's path: the SDK
 * joins them to the issuer as absolute paths (/authorize), which drops a path prefix.
 */
function metadataUnderIssuer(oauth: OAuthService): OAuthMetadata {
  const metadata = createOAuthMetadata({ provider: oauth, issuerUrl: oauth.issuer, scopesSupported: [...OAUTH_SCOPES] });
  const under = (url: string | undefined): string | undefined => (url === undefined ? undefined : underIssuer(oauth.issuer, new URL(url).pathname).href);
  return {
    ...metadata,
    authorization_endpoint: under(metadata.authorization_endpoint)!,
    token_endpoint: under(metadata.token_endpoint)!,
    registration_endpoint: under(metadata.registration_endpoint),
    revocation_endpoint: under(metadata.revocation_endpoint),
  };
}

function buildRouter(oauth: OAuthService, rootPath: string): express.Router {
  const router = express.Router();
  if (oauth.issuer.pathname.replace(/\/$/, '') !== '') {
    // Behind a path prefix: the metadata names the endpoints under it, also at RFC 8414's address for an issuer with a path.
    const handler = metadataHandler(metadataUnderIssuer(oauth));
    router.use('/.well-known/oauth-authorization-server', handler);
    if (rootPath !== '') router.use(`/.well-known/oauth-authorization-server${rootPath}`, handler);
  }
  router.use('/authorize', answerAuthorizationErrors);
  // Client secrets are stored as digests: checked before the SDK's handlers (which would compare them as stored).
  router.use(['/token', '/revoke'], express.urlencoded({ extended: false }), oauth.clientsStore.checkClientSecret);
  router.use(
    mcpAuthRouter({
      provider: oauth,
      issuerUrl: oauth.issuer,
      resourceServerUrl: oauth.resource,
      scopesSupported: [...OAUTH_SCOPES],
      resourceName: 'MCP Memory Service',
      authorizationOptions: RATE_LIMIT,
      tokenOptions: RATE_LIMIT,
      clientRegistrationOptions: RATE_LIMIT,
      revocationOptions: RATE_LIMIT,
    }),
  );
  // RFC 9728's path-specific document (/.well-known/oauth-protected-resource/mcp) comes from the SDK;
  // clients that look at the root (MCP Inspector among them) get the same document there, and so
  // does the address under a path prefix (the SDK serves /.well-known/oauth-protected-resource/<prefix>/mcp).
  const resourceMetadata = metadataHandler({
    resource: oauth.resource.href,
    authorization_servers: [oauth.issuer.href],
    scopes_supported: [...OAUTH_SCOPES],
    resource_name: 'MCP Memory Service',
  });
  // The longer path first: a mount also matches the paths below it.
  router.use('/.well-known/oauth-protected-resource/mcp', resourceMetadata);
  router.use('/.well-known/oauth-protected-resource', resourceMetadata);
  return router;
}

/**
 * Serves the MCP SDK's OAuth endpoints (Express middleware) from Fastify routes of their own: each
 * hands the untouched request to one Express app (its parsers read the body). The Express app is
 * built at the first request, when the issuer (this server's address, unless MCP_OAUTH_ISSUER
 * names it) is known.
 */
export async function installOAuthRoutes(fastify: FastifyInstance, oauth: OAuthService, rootPath: string): Promise<void> {
  let app: express.Express | null = null;
  await fastify.register(async (scope) => {
    // Bodies are left unread for Express (whose parsers have their own limits).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    // Behind MCP_HTTP_ROOT_PATH, RFC 8414 and 9728 also place the metadata at the host's root, after the well-known prefix.
    const prefixed = rootPath === '' ? [] : [`/.well-known/oauth-authorization-server${rootPath}`, `/.well-known/oauth-protected-resource${rootPath}/mcp`];
    for (const url of [...OAUTH_PATHS, ...prefixed]) {
      scope.route({
        method: ['GET', 'POST', 'OPTIONS'],
        url,
        config: OAUTH_ROUTE_CONFIG,
        handler: (request, reply) => {
          if (app === null) {
            app = express().disable('x-powered-by');
            app.use(buildRouter(oauth, rootPath));
          }
          // The client address as Fastify decided it (MCP_TRUST_PROXY), for the SDK's rate limits.
          Object.defineProperty(request.raw, 'ip', { value: request.ip, configurable: true });
          reply.hijack();
          app(request.raw as Request, reply.raw as unknown as Response, () => {
            reply.raw.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Not found' }));
          });
        },
      });
    }
  });
}
