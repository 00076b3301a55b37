import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './app-config.js';

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.http.host, '127.0.0.1');
    assert.equal(config.http.port, 8000);
    assert.deepEqual(config.auth.apiKeys, []);
    assert.equal(config.auth.allowAnonymous, false);
    assert.equal(config.corsOrigins, null);
    assert.equal(config.storage.backend, 'sqlite_vec');
    assert.equal(config.storage.sqlitePath, resolve('./data/memory.db'));
    assert.equal(config.embeddings.model, 'use-lite');
    assert.equal(config.embeddings.modelsDir, null);
    assert.equal(config.limits.maxContentBytes, 1_048_576);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.logFile, null);
    assert.equal(config.search.fusion.method, 'learned');
    assert.equal(config.search.fusion.weights, null);
    assert.ok(Object.isFrozen(config));
  });

  it('reads the learned fusion weights as a JSON object by feature', () => {
    const weights = loadConfig({ MCP_HYBRID_FUSION_WEIGHTS: '{"similarity": 3, "keyword_place": 1}' }).search.fusion.weights;
    assert.equal(weights?.similarity, 3);
    assert.equal(weights?.name, 0);
  });

  it("takes upstream's names for the same settings", () => {
    const hybrid = loadConfig({ MCP_MEMORY_STORAGE_BACKEND: 'hybrid' });
    assert.equal(hybrid.storage.backend, 'sqlite_vec');
    assert.equal(hybrid.storage.cloudSyncRequested, true);
    assert.equal(loadConfig({}).storage.cloudSyncRequested, false);
    assert.match(errorFor({ MCP_MEMORY_STORAGE_BACKEND: 'chroma' }).message, /sqlite_vec.*hybrid.*postgres/);
    assert.equal(loadConfig({ MCP_MEMORY_SQLITEVEC_PATH: '/srv/m/vec.db' }).storage.sqlitePath, '/srv/m/vec.db');
    assert.equal(loadConfig({ MCP_MEMORY_SQLITEVEC_PATH: '/srv/m/vec.db', MCP_MEMORY_SQLITE_PATH: '/srv/m/a.db' }).storage.sqlitePath, '/srv/m/a.db');
    assert.equal(loadConfig({ MCP_SSE_HEARTBEAT: '30' }).events.heartbeatSeconds, 30);
    assert.equal(loadConfig({ MCP_SSE_HEARTBEAT: '30', MCP_SSE_HEARTBEAT_SECONDS: '20' }).events.heartbeatSeconds, 20);
    assert.equal(errorFor({ MCP_SSE_HEARTBEAT: 'often' }).variable, 'MCP_SSE_HEARTBEAT');
  });

  it('reads LOG_LEVEL in any case, with Python level names too', () => {
    assert.equal(loadConfig({ LOG_LEVEL: 'DEBUG' }).logLevel, 'debug');
    assert.equal(loadConfig({ LOG_LEVEL: 'Info' }).logLevel, 'info');
    assert.equal(loadConfig({ LOG_LEVEL: 'WARNING' }).logLevel, 'warn');
    assert.equal(loadConfig({ LOG_LEVEL: 'CRITICAL' }).logLevel, 'fatal');
    assert.equal(errorFor({ LOG_LEVEL: 'LOUD' }).variable, 'LOG_LEVEL');
    assert.equal(loadConfig({ MCP_LOG_FILE: 'logs/server.log' }).logFile, resolve('logs/server.log'));
  });

  it('accepts several comma-separated API keys', () => {
    assert.deepEqual(loadConfig({ MCP_API_KEY: 'old-key, new-key' }).auth.apiKeys, ['old-key', 'new-key']);
  });

  it('names the variable for each bad value', () => {
    assert.equal(errorFor({ MCP_HTTP_PORT: 'eighty' }).variable, 'MCP_HTTP_PORT');
    assert.equal(errorFor({ MCP_HTTP_PORT: '70000' }).variable, 'MCP_HTTP_PORT');
    assert.equal(errorFor({ MCP_MEMORY_STORAGE_BACKEND: 'chroma' }).variable, 'MCP_MEMORY_STORAGE_BACKEND');
    assert.equal(errorFor({ MCP_MEMORY_STORAGE_BACKEND: 'postgres' }).variable, 'MCP_POSTGRES_URL');
    assert.equal(errorFor({ MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: 'mysql://x' }).variable, 'MCP_POSTGRES_URL');
    assert.equal(errorFor({ MCP_MEMORY_SQLITE_PRAGMAS: 'foo=1' }).variable, 'MCP_MEMORY_SQLITE_PRAGMAS');
    assert.equal(errorFor({ LOG_LEVEL: 'loud' }).variable, 'LOG_LEVEL');
    assert.equal(errorFor({ MCP_ALLOW_ANONYMOUS_ACCESS: 'maybe' }).variable, 'MCP_ALLOW_ANONYMOUS_ACCESS');
    assert.equal(errorFor({ MCP_MEMORY_MAX_CONTENT_BYTES: '0' }).variable, 'MCP_MEMORY_MAX_CONTENT_BYTES');
    assert.equal(errorFor({ MCP_CORS_ORIGINS: 'not a url' }).variable, 'MCP_CORS_ORIGINS');
    assert.equal(errorFor({ MCP_HYBRID_FUSION_METHOD: 'evidence' }).variable, 'MCP_HYBRID_FUSION_METHOD');
    assert.match(errorFor({ MCP_HYBRID_FUSION_WEIGHTS: '{"cosine": 1}' }).message, /MCP_HYBRID_FUSION_WEIGHTS names an unknown feature "cosine"/);
    assert.match(errorFor({ MCP_HTTP_PORT: 'eighty' }).message, /MCP_HTTP_PORT/);
  });

  it('a non-loopback bind without a key gets a generated one beside the database, unless anonymous access is allowed', () => {
    const config = loadConfig({ MCP_HTTP_HOST: '0.0.0.0', MCP_MEMORY_SQLITE_PATH: '/srv/memory/memory.db' });
    assert.equal(config.auth.generatedKeyFile, '/srv/memory/api-key');
    assert.equal(config.http.allowedHosts, '*', 'a keyed server answers any Host name');
    assert.equal(loadConfig({ MCP_HTTP_HOST: '0.0.0.0', MCP_ALLOW_ANONYMOUS_ACCESS: 'true' }).auth.generatedKeyFile, null);
    assert.equal(loadConfig({ MCP_HTTP_HOST: '0.0.0.0', MCP_API_KEY: 'k' }).auth.generatedKeyFile, null);
    assert.equal(loadConfig({}).auth.generatedKeyFile, null);
    // Replicas on PostgreSQL must share one key: none is generated for them.
    const error = errorFor({ MCP_HTTP_HOST: '0.0.0.0', MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: 'postgres://db/memory' });
    assert.equal(error.variable, 'MCP_API_KEY');
    assert.match(error.message, /MCP_ALLOW_ANONYMOUS_ACCESS/);
    assert.equal(loadConfig({ MCP_HTTP_HOST: '0.0.0.0', MCP_ALLOW_ANONYMOUS_ACCESS: 'true' }).http.host, '0.0.0.0');
    assert.equal(loadConfig({ MCP_HTTP_HOST: '0.0.0.0', MCP_API_KEY: 'k' }).http.host, '0.0.0.0');
    assert.equal(loadConfig({ MCP_HTTP_HOST: 'localhost' }).http.host, 'localhost');
    assert.equal(loadConfig({ MCP_HTTP_HOST: '127.0.0.2' }).http.host, '127.0.0.2');
  });

  it('parses CORS origins: "*" or a list', () => {
    assert.equal(loadConfig({ MCP_CORS_ORIGINS: '*' }).corsOrigins, '*');
    assert.deepEqual(loadConfig({ MCP_CORS_ORIGINS: 'https://a.example, http://b.example:8080/' }).corsOrigins, ['https://a.example', 'http://b.example:8080']);
  });
});
