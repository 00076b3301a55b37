import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ToolInputError, toolErrorMessage } from '../mcp/tools/tool-errors.js';
import { InvalidInputError, MemoryNotFoundError, StorageBusyError, UnhealthyError } from './domain-errors.js';
import { INTERNAL_ERROR_DETAIL, toHttpError } from './http-error.mapper.js';

describe('the error policy (REST, MCP tools, health)', () => {
  it('never lets an unanticipated error message out, on either surface', () => {
    const secret = new TypeError("Cannot read properties of undefined (reading 'x') at /srv/app/secret-path.js");
    const http = toHttpError(secret);
    assert.deepEqual([http.status, http.body, http.internal], [500, { detail: INTERNAL_ERROR_DETAIL }, true]);
    assert.equal(toolErrorMessage(secret), INTERNAL_ERROR_DETAIL);
  });

  it('tells both surfaces the same thing about an error the caller can act on', () => {
    const errors = [InvalidInputError.field('tags', 'too many'), new MemoryNotFoundError('abc'), new StorageBusyError()];
    for (const error of errors) {
      const http = toHttpError(error);
      assert.equal(http.internal, false);
      assert.ok(http.status >= 400 && http.status < 600);
      assert.equal(toolErrorMessage(error), http.body.detail);
    }
    assert.equal(toHttpError(errors[0]).body.detail, 'Invalid request: tags: too many');
  });

  it('reports an unhealthy database as 503 {status, detail, error} and retry advice', () => {
    const http = toHttpError(new UnhealthyError('the database is closed'));
    assert.equal(http.status, 503);
    assert.deepEqual(http.body, { status: 'unhealthy', detail: 'Database unavailable', error: 'the database is closed' });
    assert.equal(http.headers['retry-after'], '5');
    assert.equal(toolErrorMessage(new UnhealthyError('the database is closed')), 'Database unavailable: the database is closed');
  });

  it('says bad tool arguments as they are', () => {
    assert.equal(toolErrorMessage(new ToolInputError('limit must be positive')), 'limit must be positive');
  });
});
