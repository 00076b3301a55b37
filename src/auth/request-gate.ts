import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { sendHttpError } from '../common/http-exception.filter.js';
import { InvalidAccessTokenError, RequestRefusedError } from '../common/domain-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { normalizeHostName } from '../config/web-access.js';
import { type ApiKeyAuthenticator, AUTHENTICATED, type AuthenticatedRequest, IDENTITY } from './api-key-authenticator.js';
import type { KeyIdentity } from './scopes.js';

/** Body media types the API reads; everything else is refused before parsing (415). */
const JSON_TYPE = /^application\/json\s*(;|$)/i;
/** Routes that read a streamed JSON Lines body instead (not a CORS-safelisted type either). */
const JSON_LINES_TYPE = /^application\/x-ndjson\s*(;|$)/i;
const JSON_LINES_ROUTES = new Set(['/api/admin/import/jsonl']);
/** Document uploads take upstream's multipart form (the Origin check above still keeps other sites' forms out). */
const MULTIPART_TYPE = /^multipart\/form-data\s*;/i;
const MULTIPART_ROUTES = new Set(['/api/documents/upload', '/api/documents/batch-upload']);

/** Bearer tokens that are not API keys (OAuth access tokens for /mcp). */
export interface AccessTokenVerifier {
  /** Whether a token has this verifier's form (no lookup): other bearer values are API keys. */
  recognizes(token: string): boolean;
  /** Who the token acts as; throws (401) for an unknown, expired, revoked or foreign token. */
  identify(token: string): Promise<KeyIdentity>;
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return length.trim() !== '0';
  return request.headers['transfer-encoding'] !== undefined;
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/**
 * Browser protections for every route, /mcp and the event streams included, checked when the
 * request line and headers arrive, before any body is read:
 * - the Host header must name this server (DNS rebinding);
 * - a browser request from another origin is refused unless that origin is in MCP_CORS_ORIGINS
 *   (a page on any site could otherwise write into a keyless loopback server);
 * - a body must be JSON (a cross-site HTML form cannot send one without a CORS preflight);
 * - a request that carries a body must carry a valid key too, so unauthenticated clients never
 *   make the server read and parse large bodies;
 * - with OAuth on, an access token presented to /mcp is verified (401 invalid_token otherwise).
 */
export class RequestGate {
  constructor(
    private readonly config: AppConfig,
    private readonly authenticator: ApiKeyAuthenticator,
    /** Set when OAuth is on: access tokens presented to /mcp are checked here, before the body. */
    private readonly tokens: AccessTokenVerifier | null = null,
  ) {}

  install(fastify: FastifyInstance, logger: Logger): void {
    fastify.addHook('onRequest', (request, reply, done) => {
      const refuse = (error: unknown): void => sendHttpError(reply as FastifyReply, error, logger);
      try {
        this.checkHost(request);
        // The OAuth endpoints take form and JSON bodies from clients that have no key yet, from any
        // origin (browser-based MCP clients); the SDK's handlers check their input themselves.
        if ((request.routeOptions.config as { oauthEndpoint?: boolean }).oauthEndpoint === true) return done();
        this.checkOrigin(request);
        const token = this.oauthAccessToken(request);
        if (token === null) {
          this.checkBody(request);
          return done();
        }
        this.tokens!.identify(token).then(
          (identity) => {
            const authenticated = request as AuthenticatedRequest;
            authenticated[AUTHENTICATED] = true;
            authenticated[IDENTITY] = identity;
            try {
              this.checkBody(request);
            } catch (error) {
              return refuse(error);
            }
            done();
          },
          (error: unknown) => {
            if (error instanceof InvalidAccessTokenError) this.authenticator.failures.invalid_oauth_token += 1;
            refuse(error);
          },
        );
      } catch (error) {
        refuse(error);
      }
    });
  }

  /** An OAuth access token presented to /mcp (the only resource tokens are issued for), or null. */
  private oauthAccessToken(request: FastifyRequest): string | null {
    if (this.tokens === null || request.routeOptions.url !== '/mcp') return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    return match !== null && this.tokens.recognizes(match[1]!) ? match[1]! : null;
  }

  private checkBody(request: FastifyRequest): void {
    if (hasBody(request)) {
      // Who may send a body at all comes first: without a valid key, 401 whatever the body.
      this.authenticator.authenticate(request as AuthenticatedRequest, false);
      const type = request.headers['content-type'];
      const path = request.url.split('?')[0]!;
      const [expected, name] = JSON_LINES_ROUTES.has(path)
        ? [JSON_LINES_TYPE, 'application/x-ndjson']
        : MULTIPART_ROUTES.has(path)
          ? [MULTIPART_TYPE, 'multipart/form-data (with its boundary)']
          : [JSON_TYPE, 'application/json'];
      if (type === undefined || !expected.test(type)) {
        throw new RequestRefusedError(415, `Unsupported Content-Type ${type === undefined ? '(none)' : `"${type.slice(0, 100)}"`}: send the body as ${name}`);
      }
    }
  }

  private checkHost(request: FastifyRequest): void {
    const allowed = this.config.http.allowedHosts;
    if (allowed === '*') return;
    const host = normalizeHostName(request.hostname);
    if (!allowed.includes(host)) {
      throw new RequestRefusedError(
        403,
        `Host "${host.slice(0, 100)}" is not served here; add it to MCP_ALLOWED_HOSTS if this server is reached by that name (e.g. behind a proxy)`,
      );
    }
  }

  private checkOrigin(request: FastifyRequest): void {
    const origin = request.headers.origin;
    if (origin === undefined) {
      // Browsers always send Origin on cross-origin fetches and form posts; what is left are
      // no-cors loads (<img>, <script>) that a foreign page can trigger: refuse those too.
      const site = request.headers['sec-fetch-site'];
      const mode = request.headers['sec-fetch-mode'];
      if (site === 'cross-site' && mode !== 'navigate') throw new RequestRefusedError(403, 'Cross-site request refused');
      return;
    }
    if (this.isAllowedOrigin(origin, request)) return;
    throw new RequestRefusedError(403, `Cross-origin request refused: origin "${origin.slice(0, 200)}" is not this server; allow it with MCP_CORS_ORIGINS`);
  }

  private isAllowedOrigin(origin: string, request: FastifyRequest): boolean {
    const cors = this.config.corsOrigins;
    if (cors === '*') return true;
    const trimmed = origin.replace(/\/$/, '');
    if (cors !== null && cors.includes(trimmed)) return true;
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      return false; // "null" (sandboxed frames, file://) and garbage
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const requestPort = request.port === null || request.port === undefined ? defaultPort(url.protocol) : String(request.port);
    return normalizeHostName(url.hostname) === normalizeHostName(request.hostname) && (url.port || defaultPort(url.protocol)) === requestPort;
  }
}
