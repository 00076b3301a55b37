import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type JsonResponse } from './helpers/http.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { waitUntil } from './helpers/wait.js';

/**
 * Contract tests: upstream v11's tools and REST routes, as fixtures written by hand from its
 * published schemas (test/fixtures/upstream-v11), called on a real server. Where this server
 * deliberately answers otherwise, the fixture says so (`here`, `differs`) and the compatibility
 * page must name the route or tool.
 */
interface ToolContract {
  name: string;
  required: string[];
  optional: string[];
  access: 'RO' | 'W' | 'D';
  call: Record<string, unknown>;
  text?: string;
  json?: string[];
  keep?: string;
}
interface RouteContract {
  method: string;
  path: string;
  body?: unknown;
  form?: Record<string, string | { name: string; content: string }>;
  key?: false;
  status: number;
  here?: { status: number; why: string; doc: string };
  fields?: Record<string, string>;
  items?: Record<string, Record<string, string>>;
  equals?: Record<string, unknown>;
  absent?: string[];
  root?: 'array';
  until?: Record<string, unknown>;
  keep?: Record<string, string>;
}

const FIXTURES = 'test/fixtures/upstream-v11';
const tools = JSON.parse(readFileSync(`${FIXTURES}/tools.json`, 'utf8')) as {
  offered: ToolContract[];
  differs: { name: string; call: Record<string, unknown>; error: string }[];
  needs_model: { name: string; call: Record<string, unknown> }[];
};
const routes = (JSON.parse(readFileSync(`${FIXTURES}/routes.json`, 'utf8')) as { routes: RouteContract[] }).routes;
const COMPATIBILITY_PAGE = readFileSync('docs/upstream.md', 'utf8');
const KEY = 'contract-key';

/** Whether a value has a fixture's type ("string", "number|null", ...). */
function hasType(value: unknown, type: string): boolean {
  return type
    .split('|')
    .some((t) =>
      t === 'null'
        ? value === null
        : t === 'array'
          ? Array.isArray(value)
          : t === 'object'
            ? typeof value === 'object' && value !== null && !Array.isArray(value)
            : typeof value === t,
    );
}

function assertFields(body: Record<string, unknown>, fields: Record<string, string>, where: string): void {
  for (const [name, type] of Object.entries(fields)) {
    assert.ok(name in body, `${where}: no field ${name} in ${JSON.stringify(body).slice(0, 300)}`);
    assert.ok(hasType(body[name], type), `${where}: ${name} is ${JSON.stringify(body[name])?.slice(0, 80)}, not ${type}`);
  }
}

const at = (body: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], body);

describe('upstream v11 contract: its tools and routes, from fixtures of its published schemas', () => {
  let server: TestServer;
  let api: ApiClient;
  let client: Client;
  /** Values the calls refer to ($stored, {hash}, {upload_id}, ...). */
  const values = new Map<string, string>();

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    api = new ApiClient(server.url, KEY);
    client = new Client({ name: 'upstream-contract', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${KEY}` } } }));
    for (const [name, content] of [
      ['hash', 'Contract setup: the VPN gateway restarts every night at 02:00'],
      ['hash_b', 'Contract setup: the VPN gateway restarts every night at 03:00'],
    ] as const) {
      values.set(name, (await api.post('/api/memories', { content, tags: ['contract'] })).body.content_hash);
    }
  });
  after(async () => {
    await client?.close();
    await server.cleanup();
  });

  const fill = (text: string): string =>
    text.replace(/\{(\w+)\}|\$(\w+)/g, (whole, brace?: string, dollar?: string) => values.get((brace ?? dollar)!) ?? whole);
  const filled = (value: unknown): unknown => (typeof value === 'string' ? fill(value) : JSON.parse(fill(JSON.stringify(value))));

  it("tools/list offers every v11 tool that needs no model, each taking all of upstream's arguments, requiring no more, with its read/write nature", async () => {
    const listed = new Map((await client.listTools()).tools.map((tool: Tool) => [tool.name, tool]));
    for (const contract of tools.offered) {
      const tool = listed.get(contract.name);
      assert.ok(tool, `${contract.name} is offered`);
      const properties = Object.keys(tool.inputSchema.properties ?? {});
      for (const arg of [...contract.required, ...contract.optional]) assert.ok(properties.includes(arg), `${contract.name} takes ${arg}`);
      for (const arg of tool.inputSchema.required ?? []) assert.ok(contract.required.includes(arg), `${contract.name} requires ${arg}, upstream does not`);
      assert.equal(tool.annotations?.readOnlyHint === true, contract.access === 'RO', `${contract.name} is ${contract.access}`);
      if (contract.access === 'D') assert.equal(tool.annotations?.destructiveHint, true, `${contract.name} is destructive`);
    }
  });

  it("each tool answers a call shaped as upstream's schema describes", async () => {
    // Memories the calls work on: one stored by the memory_store contract, two near-duplicates to resolve.
    const stored = await api.post('/api/memories', {
      content: 'Contract tools: the staging database lives on db-3',
      tags: ['contract', 'quarantined'],
      metadata: { quarantined: true },
    });
    values.set('stored', stored.body.content_hash);
    values.set('winner', (await api.post('/api/memories', { content: 'Contract tools: the standup is at 09:30' })).body.content_hash);
    values.set('loser', (await api.post('/api/memories', { content: 'Contract tools: the standup is at 09:15' })).body.content_hash);
    for (const contract of tools.offered) {
      const result = await callTool(client, contract.name, filled(contract.call) as Record<string, unknown>);
      const text = textOf(result);
      assert.notEqual(result.isError, true, `${contract.name}: ${text.slice(0, 300)}`);
      if (contract.text) assert.match(text, new RegExp(contract.text, 'i'), `${contract.name}: ${text.slice(0, 300)}`);
      if (contract.json) {
        const answer = JSON.parse(text) as Record<string, unknown>;
        for (const field of contract.json) assert.ok(field in answer, `${contract.name} answers ${field}`);
      }
      if (contract.keep)
        values.set(
          contract.name === 'mistake_note_add' ? 'mistake' : contract.keep,
          String((result.structuredContent as Record<string, unknown>)[contract.keep]),
        );
    }
  });

  it('tools that differ or need a language model or knowledge graph answer a tool error that says why, and the compatibility page names them', async () => {
    for (const { name, call, error } of tools.differs) {
      const result = await callTool(client, name, call);
      assert.equal(result.isError, true, name);
      assert.match(textOf(result), new RegExp(error), name);
      assert.ok(COMPATIBILITY_PAGE.includes(name), `docs/upstream.md names ${name}`);
    }
    for (const { name, call } of tools.needs_model) {
      const result = await callTool(client, name, call);
      assert.equal(result.isError, true, name);
      assert.match(textOf(result), /does not offer/, name);
      assert.ok(COMPATIBILITY_PAGE.includes(name), `docs/upstream.md names ${name}`);
    }
  });

  it("each route answers upstream's status and fields (or the documented difference)", async () => {
    for (const route of routes) {
      const path = fill(route.path);
      const where = `${route.method} ${route.path}`;
      const send = async (): Promise<JsonResponse> => {
        const options = route.key === false ? { apiKey: null } : {};
        if (route.form) {
          const form = new FormData();
          for (const [name, value] of Object.entries(route.form)) {
            if (typeof value === 'string') form.append(name, value);
            else form.append(name, new Blob([value.content]), value.name);
          }
          return api.request(path, { ...options, method: route.method, form });
        }
        return api.request(path, { ...options, method: route.method, ...(route.body === undefined ? {} : { body: filled(route.body) }) });
      };
      let res = await send();
      if (route.until) {
        await waitUntil(
          async () => {
            res = await send();
            return Object.entries(route.until!).every(([field, value]) => at(res.body, field) === value);
          },
          { timeoutMs: 60_000, what: `${where} to answer ${JSON.stringify(route.until)}` },
        );
      }
      const expected = route.here?.status ?? route.status;
      assert.equal(res.status, expected, `${where}: ${JSON.stringify(res.body)?.slice(0, 300)}`);
      if (route.here) assert.ok(COMPATIBILITY_PAGE.includes(route.here.doc), `docs/upstream.md says "${route.here.doc}" (${where}: ${route.here.why})`);
      if (route.root === 'array') assert.ok(Array.isArray(res.body), where);
      if (route.fields) assertFields(res.body as Record<string, unknown>, route.fields, where);
      for (const [list, fields] of Object.entries(route.items ?? {})) {
        const items = (res.body as Record<string, unknown[]>)[list]!;
        assert.ok(items.length > 0, `${where}: ${list} is empty`);
        for (const item of items) assertFields(item as Record<string, unknown>, fields, `${where} ${list}[]`);
      }
      for (const [field, value] of Object.entries(route.equals ?? {})) assert.deepEqual(at(res.body, field), value, `${where}: ${field}`);
      for (const field of route.absent ?? []) assert.ok(!(field in (res.body as object)), `${where}: ${field} must not be told`);
      for (const [name, field] of Object.entries(route.keep ?? {})) values.set(name, String(at(res.body, field)));
    }
  });
});
