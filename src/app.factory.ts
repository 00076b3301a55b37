import { randomUUID } from 'node:crypto';
import helmet from 'helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { ApiKeyAuthenticator, type AuthenticatedRequest, IDENTITY } from './auth/api-key-authenticator.js';
import { RequestGate } from './auth/request-gate.js';
import { clientErrorResponse } from './common/http-error.mapper.js';
import { HttpExceptionFilter, sendHttpError } from './common/http-exception.filter.js';
import { createLogger, PinoNestLogger } from './common/logger.js';
import { finishOpenApiDocument } from './common/openapi-document.js';
import { SERVICE_VERSION } from './common/package-info.js';
import { RequestValidationPipe } from './common/request-validation.pipe.js';
import { recordRoutes } from './common/route-registry.js';
import type { AppConfig } from './config/app-config.js';
import { MetricsService } from './metrics/metrics.service.js';
import { installOAuthRoutes } from './oauth/oauth-routes.js';
import { OAuthService } from './oauth/oauth.service.js';
import type { AddressInfo } from 'node:net';
import multipart from '@fastify/multipart';
import { uploadLimits } from './documents/upload-form.js';
import type { TrustProxy } from './config/web-access.js';

/** Room for JSON escaping of a maximum-size content plus tags and metadata. */
function bodyLimit(config: AppConfig): number {
  return config.limits.maxContentBytes * 2 + 1024 * 1024;
}

/** A hop count becomes the equivalent function (trust the first N hops), as Fastify's types want. */
function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : typeof trust === 'boolean' ? trust : [...trust];
}

/**
 * The body parsers: JSON, with Fastify's prototype-poisoning protection (and the raw stream of
 * JSON Lines for streamed imports). An empty body is
 * "no body" whatever its Content-Type says (clients such as upstream's bridge send
 * `Content-Type: application/json` on every request, DELETE included); a route that needs a
 * body says so in its 400. Other media types never get this far (RequestGate answers 415).
 */
function installJsonParser(fastify: FastifyInstance, limit: number): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: limit }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    parseJson(request, body as string, done);
  });
  // Streamed imports read JSON Lines themselves, line by line (RequestGate admits this type only there).
  fastify.addContentTypeParser('application/x-ndjson', (_request, payload, done) => done(null, payload));
}

/** Every answered request counted and timed by its route template (never the raw URL: it may carry ?api_key=). */
function installRequestMetrics(app: NestFastifyApplication): void {
  const metrics = app.get(MetricsService);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      metrics.recordRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
}

/** What a request id from a proxy may look like: short, printable, no spaces or quotes. */
const PLAUSIBLE_REQUEST_ID = /^[\w.:-]{1,128}$/u;

function installRequestLogging(app: NestFastifyApplication, logger: Logger): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    // An id sent by a client is kept only when it looks like one (it lands in logs and a header).
    if (!PLAUSIBLE_REQUEST_ID.test(request.id)) (request as { id: string }).id = randomUUID();
    void reply.header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    // The path only: query strings can carry ?api_key=.
    logger.info(
      {
        request_id: request.id,
        method: request.method,
        // originalUrl: the OAuth endpoints' Express router rewrites the raw URL while it routes.
        path: request.originalUrl.split('?')[0],
        status: reply.statusCode,
        latency_ms: Math.round(reply.elapsedTime * 100) / 100,
        ip: request.ip,
        // Whose key (its label, never the key), when the request carried a labelled one.
        ...((request as AuthenticatedRequest)[IDENTITY]?.labelled ? { key: (request as AuthenticatedRequest)[IDENTITY]!.label } : {}),
      },
      'request',
    );
    done();
  });
}

/**
 * Security headers on every response (helmet); the CSP still lets Swagger UI run its own files.
 * Plain HTTP on a LAN is a supported deployment, so no HSTS and no upgrade-insecure-requests. The
 * middleware is built once: the Fastify plugin built it again for every request (its CSP parsed
 * anew each time, on the event loop).
 */
function installSecurityHeaders(app: NestFastifyApplication): void {
  const securityHeaders = helmet({
    strictTransportSecurity: false,
    contentSecurityPolicy: {
      directives: {
        upgradeInsecureRequests: null,
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
      },
    },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)));
}

/**
 * Lets shutdown finish promptly: once closing, every answer says `Connection: close`, so
 * keep-alive connections whose request was in flight end with it instead of holding the server open.
 */
function installGracefulClose(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
}

/** The dashboard's files (public/), served at / without a key: the page asks for the key itself. */
const DASHBOARD_DIR = fileURLToPath(new URL('../../public', import.meta.url));

/** The dashboard's pages: served with their base set to MCP_HTTP_ROOT_PATH, so every link they hold resolves under it. */
const DASHBOARD_PAGES = ['index.html', 'oauth-consent.html'];

function installDashboard(app: NestFastifyApplication, rootPath: string): void {
  // One route per file, no wildcard: nothing else under / becomes reachable.
  // @fastify/static takes globIgnore; Nest's option type does not declare it.
  app.useStaticAssets({ root: DASHBOARD_DIR, prefix: '/', wildcard: false, index: false, ...{ globIgnore: DASHBOARD_PAGES } });
  const fastify = app.getHttpAdapter().getInstance();
  for (const page of DASHBOARD_PAGES) {
    const html = readFileSync(join(DASHBOARD_DIR, page), 'utf8').replace('<base href="/" />', `<base href="${rootPath}/" />`);
    const send = (_request: FastifyRequest, reply: FastifyReply): FastifyReply => reply.type('text/html; charset=utf-8').send(html);
    fastify.get(`/${page}`, send);
    if (page === 'index.html') fastify.get('/', send);
  }
}

/**
 * A request under MCP_HTTP_ROOT_PATH is served as the same request without it; one without it (a
 * proxy that strips the prefix) as it is.
 */
export function withoutRootPath(url: string, rootPath: string): string {
  if (rootPath === '' || !url.startsWith(rootPath)) return url;
  const rest = url.slice(rootPath.length);
  if (rest === '') return '/';
  if (rest.startsWith('/')) return rest;
  return rest.startsWith('?') ? `/${rest}` : url;
}

function installOpenApi(app: NestFastifyApplication, rootPath: string): void {
  const document = finishOpenApiDocument(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('MCP Memory Service')
        .setDescription(
          'Semantic memory for AI agents: store, search and recall memories. The routes of the upstream Python service answer with its ' +
            'fields; where a client can tell the difference: invalid input answers 400 with a string `detail` and `errors[]` (upstream: ' +
            '422 with a list), an upload with an unsupported extension 400 (upstream: 500). The compatibility page (docs/upstream.md) lists each.',
        )
        .setVersion(SERVICE_VERSION)
        .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
        .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'API key as a Bearer token' })
        .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key-header')
        .addApiKey({ type: 'apiKey', in: 'query', name: 'api_key' }, 'api-key-query')
        .build(),
    ),
  );
  // Behind a path prefix, generated clients and the docs page call the API under it.
  if (rootPath !== '') document.servers = [{ url: rootPath }];
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  app
    .getHttpAdapter()
    .getInstance()
    .get('/openapi.json', (_request, reply) => reply.send(document));
}

/**
 * OAuth 2.1 for /mcp: the SDK's endpoints, the issuer (this server's address unless configured),
 * and every 401 pointing to the protected-resource metadata (how MCP clients discover OAuth).
 */
async function installOAuth(app: NestFastifyApplication, config: AppConfig, oauth: OAuthService): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  oauth.useAddressWhenUnconfigured(() => {
    const { port } = app.getHttpServer().address() as AddressInfo;
    return `${config.https.enabled ? 'https' : 'http'}://${config.http.host === '127.0.0.1' ? '127.0.0.1' : 'localhost'}:${port}${config.http.rootPath}`;
  });
  await installOAuthRoutes(fastify, oauth, config.http.rootPath);
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    const challenge = reply.getHeader('www-authenticate');
    if (reply.statusCode === 401 && typeof challenge === 'string' && /^Bearer\b/.test(challenge) && !challenge.includes('resource_metadata=')) {
      void reply.header('www-authenticate', `${challenge}${challenge === 'Bearer' ? ' ' : ', '}resource_metadata="${oauth.resourceMetadataUrl}"`);
    }
    done(null, payload);
  });
}

/** Builds the configured application without listening, so tests and the CLI share one setup. */
export async function createApp(
  config: AppConfig,
  logger: Logger = createLogger(config),
  https: { key: string; cert: string } | null = null,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: bodyLimit(config),
    logger: false,
    // Router and HTTP-parser errors answer {detail} like every other error.
    frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) => sendHttpError(reply, error, logger),
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(clientErrorResponse(error.code)!);
      socket.destroy(error);
    },
    trustProxy: fastifyTrustProxy(config.http.trustProxy),
    // Every request gets an id for its log line and the X-Request-Id answer header: a proxy's id
    // when it sends a plausible one (so one id follows a request through both logs), else a new one.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ...(config.http.rootPath === '' ? {} : { rewriteUrl: (request: { url?: string }) => withoutRootPath(request.url ?? '/', config.http.rootPath) }),
    ...(https ? { https } : {}),
  });
  recordRoutes(adapter.getInstance());
  installJsonParser(adapter.getInstance(), bodyLimit(config));
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
    bodyParser: false,
  });
  try {
    await configureApp(app, config, logger);
  } catch (error) {
    // The modules are up (database, model workers): a half-built application is closed, or its
    // open handles would keep the process (a CLI start, a test run) alive after the error.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/** Everything around the modules: body parsers' neighbours, gates, OAuth, headers, pipes, CORS, logs, the dashboard and the API docs. */
async function configureApp(app: NestFastifyApplication, config: AppConfig, logger: Logger): Promise<void> {
  // Upstream's document uploads (multipart/form-data, admitted by RequestGate on those routes only).
  await app.register(multipart as unknown as Parameters<NestFastifyApplication['register']>[0], {
    limits: uploadLimits(config.limits.maxContentBytes * 2),
  });
  const oauth = config.oauth.enabled ? app.get(OAuthService) : null;
  new RequestGate(config, app.get(ApiKeyAuthenticator), oauth).install(app.getHttpAdapter().getInstance(), logger);
  if (oauth !== null) await installOAuth(app, config, oauth);
  installSecurityHeaders(app);
  app.useGlobalPipes(new RequestValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter(logger));
  if (config.corsOrigins !== null) {
    app.enableCors({
      origin: config.corsOrigins === '*' ? true : [...config.corsOrigins],
      allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'X-Agent-ID', 'Last-Event-ID'],
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    });
  }
  installRequestLogging(app, logger);
  if (config.metrics.enabled) installRequestMetrics(app);
  installGracefulClose(app);
  installDashboard(app, config.http.rootPath);
  installOpenApi(app, config.http.rootPath);
}
