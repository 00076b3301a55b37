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
    assert.ok(Object.isFrozen(config));
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
    assert.deepEqual(loadConfig({ MCP_CORS_ORIGINS: 'https://a.example, http://b.example:8080/' }).corsOrigins, [
      'https://a.example',
      'http://b.example:8080',
    ]);
  });
});
