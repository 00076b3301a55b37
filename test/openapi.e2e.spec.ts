import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const ROUTES: [string, string][] = [
  ['post', '/api/memories'],
  ['get', '/api/memories'],
  ['get', '/api/memories/{content_hash}'],
  ['put', '/api/memories/{content_hash}'],
  ['delete', '/api/memories/{content_hash}'],
  ['get', '/api/memories/search/tags'],
  ['get', '/api/tags'],
  ['post', '/api/search'],
  ['get', '/api/search'],
  ['post', '/api/search/by-tag'],
  ['post', '/api/search/by-time'],
  ['get', '/api/search/similar/{content_hash}'],
  ['get', '/api/health'],
  ['get', '/api/health/detailed'],
  ['get', '/api/events/stream'],
  ['get', '/api/events'],
  ['get', '/api/events/stats'],
  ['post', '/api/admin/backup'],
  ['get', '/api/admin/backups'],
  ['get', '/api/admin/backups/status'],
  ['post', '/api/admin/restore'],
  ['delete', '/api/admin/backups/{backup_id}'],
  ['post', '/api/backup/now'],
  ['get', '/api/backup/list'],
  ['get', '/api/backup/status'],
];

describe('OpenAPI document and Swagger UI', () => {
  let server: TestServer;
  let api: ApiClient;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: 'k' } });
    api = new ApiClient(server.url);
  });

  after(async () => {
    await server.cleanup();
  });

  it('serves the same OpenAPI 3 document at /api/docs-json and /openapi.json without a key', async () => {
    const docs = await api.get('/api/docs-json');
    const alias = await api.get('/openapi.json');
    assert.equal(docs.status, 200);
    assert.match(docs.body.openapi, /^3\./);
    assert.deepEqual(alias.body, docs.body);
  });

  it('documents every route with its request and response schemas', async () => {
    const doc = (await api.get('/api/docs-json')).body;
    for (const [method, path] of ROUTES) {
      const operation = doc.paths[path]?.[method];
      assert.ok(operation, `${method.toUpperCase()} ${path} is missing`);
      assert.ok(operation.summary, `${method.toUpperCase()} ${path} has no summary`);
      assert.ok(operation.responses['200'] || operation.responses['201'], `${method.toUpperCase()} ${path} has no success response`);
    }
    const schemas = doc.components.schemas;
    for (const name of [
      'StoreMemoryDto',
      'UpdateMemoryDto',
      'SemanticSearchDto',
      'TagSearchDto',
      'TimeSearchDto',
      'MemoryResponse',
      'StoreMemoryResponse',
      'MemoryListResponse',
      'SearchResponse',
      'HealthResponse',
      'ErrorResponse',
    ]) {
      assert.ok(schemas[name], `schema ${name} is missing`);
    }
    assert.deepEqual(schemas.StoreMemoryDto.required, ['content']);
    assert.ok(schemas.StoreMemoryDto.properties.tags);
    assert.equal(doc.paths['/api/memories'].post.requestBody.content['application/json'].schema.$ref, '#/components/schemas/StoreMemoryDto');
    assert.equal(doc.paths['/api/memories'].post.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/StoreMemoryResponse');
  });

  it('declares the bearer scheme and the two API-key forms, required on every route but health', async () => {
    const doc = (await api.get('/api/docs-json')).body;
    assert.equal(doc.components.securitySchemes.bearer.type, 'http');
    assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
    assert.equal(doc.components.securitySchemes['api-key-header'].name, 'X-API-Key');
    assert.equal(doc.components.securitySchemes['api-key-query'].in, 'query');
    for (const [method, path] of ROUTES) {
      const security = doc.paths[path][method].security ?? [];
      const names = security.flatMap((s: Record<string, unknown>) => Object.keys(s));
      if (path === '/api/health') assert.deepEqual(names, []);
      else assert.ok(names.includes('bearer'), `${method.toUpperCase()} ${path} lacks bearer security`);
    }
  });

  it('serves Swagger UI at /api/docs', async () => {
    const res = await fetch(`${server.url}/api/docs`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /swagger-ui/i);
  });
});
