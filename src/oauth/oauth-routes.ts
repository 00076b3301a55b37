import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import express, { type Request, type Response } from 'express';
import type { FastifyInstance } from 'fastify';
import { OAUTH_SCOPES, type OAuthService } from './oauth.service.js';

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

function buildRouter(oauth: OAuthService): express.Router {
  const router = express.Router();
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
  // clients that look at the root (MCP Inspector among them) get the same document there.
  router.use(
    '/.well-known/oauth-protected-resource',
    metadataHandler({
      resource: oauth.resource.href,
      authorization_servers: [oauth.issuer.href],
      scopes_supported: [...OAUTH_SCOPES],
      resource_name: 'MCP Memory Service',
    }),
  );
  return router;
}

/**
 * Serves the MCP SDK's OAuth endpoints (Express middleware) from Fastify routes of their own: each
 * hands the untouched request to one Express app (its parsers read the body). The Express app is
 * built at the first request, when the issuer (this server's address, unless MCP_OAUTH_ISSUER
 * names it) is known.
 */
export async function installOAuthRoutes(fastify: FastifyInstance, oauth: OAuthService): Promise<void> {
  let app: express.Express | null = null;
  await fastify.register(async (scope) => {
    // Bodies are left unread for Express (whose parsers have their own limits).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    for (const url of OAUTH_PATHS) {
      scope.route({
        method: ['GET', 'POST', 'OPTIONS'],
        url,
        config: OAUTH_ROUTE_CONFIG,
        handler: (request, reply) => {
          if (app === null) {
            app = express().disable('x-powered-by');
            app.use(buildRouter(oauth));
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
