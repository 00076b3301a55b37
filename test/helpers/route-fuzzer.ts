import fc from 'fast-check';

/** One request the fuzzer sends. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

export interface FuzzTarget {
  method: string;
  template: string;
  pathParams: string[];
  queryParams: string[];
  bodyFields: string[] | null;
}

const NASTY_STRINGS = [
  "'; DROP TABLE memories; --",
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '\u0000',
  '\u202e\u200b\ufeff',
  '%00',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'NaN',
  '-1',
  '1e309',
  '9'.repeat(400),
  '\ud800',
  'a'.repeat(70_000),
];

const RAW_BODIES = [
  '{"__proto__": {"polluted": true}, "content": "proto"}',
  '{"constructor": {"prototype": {"polluted": true}}, "query": "x"}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `{"content": ${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
  '{"content": "unterminated',
  '{"n_results": 1e400, "query": "big"}',
  '{"page": -9007199254740993}',
  '',
  'null',
  '"just a string"',
  '[]',
];

/** The operations of the OpenAPI document, with their parameter and body field names. */
export function fuzzTargets(doc: OpenApiDocument): FuzzTarget[] {
  const targets: FuzzTarget[] = [];
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const params = operation.parameters ?? [];
      const ref = operation.requestBody?.content?.['application/json']?.schema?.$ref;
      const schema = ref ? doc.components.schemas[ref.split('/').pop()!] : undefined;
      targets.push({
        method: method.toUpperCase(),
        template,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        bodyFields: operation.requestBody ? Object.keys(schema?.properties ?? {}) : null,
      });
    }
  }
  return targets;
}

const nastyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...NASTY_STRINGS));
/** For URLs: encodeURIComponent refuses lone surrogates, so those become U+FFFD first. */
const wellFormed = (s: string): string => s.toWellFormed();

const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.5),
    nastyString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'prototype')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

function bodyArbitrary(fields: string[]): fc.Arbitrary<{ body: string | Buffer; contentType: string }> {
  const json = (value: unknown): string => JSON.stringify(value) ?? 'null';
  const withKnownFields = fc
    .record(Object.fromEntries(fields.map((f) => [f, hostileValue])), { requiredKeys: [] })
    .chain((known) => fc.dictionary(fc.string({ maxLength: 12 }), hostileValue, { maxKeys: 2 }).map((extra) => ({ ...extra, ...known })));
  return fc.oneof(
    { arbitrary: withKnownFields.map((v) => ({ body: json(v), contentType: 'application/json' })), weight: 6 },
    { arbitrary: hostileValue.map((v) => ({ body: json(v), contentType: 'application/json' })), weight: 2 },
    { arbitrary: fc.constantFrom(...RAW_BODIES).map((body) => ({ body, contentType: 'application/json' })), weight: 2 },
    {
      arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({
        body: Buffer.concat([Buffer.from('{"content":"'), Buffer.from([0xff, 0xfe, ...bytes]), Buffer.from('"}')]),
        contentType: 'application/json',
      })),
      weight: 1,
    },
    { arbitrary: fc.constant({ body: JSON.stringify({ content: 'x'.repeat(1_050_000) }), contentType: 'application/json' }), weight: 1 },
    { arbitrary: nastyString.map((s) => ({ body: s, contentType: 'text/plain' })), weight: 1 },
    { arbitrary: fc.constant({ body: '<a>1</a>', contentType: 'application/xml' }), weight: 1 },
  );
}

/** Random requests for one operation: hostile path and query values, headers and bodies. */
export function requestArbitrary(target: FuzzTarget, apiKey: string): fc.Arbitrary<FuzzRequest> {
  const pathValues = fc.tuple(...target.pathParams.map(() => nastyString));
  const query = fc.dictionary(
    fc.oneof(fc.constantFrom(...(target.queryParams.length > 0 ? target.queryParams : ['q'])), fc.string({ maxLength: 8 })),
    fc.oneof(nastyString, fc.integer().map(String)),
    { maxKeys: 4 },
  );
  const headers = fc.record(
    {
      'x-agent-id': nastyString.map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      'last-event-id': nastyString.map((s) => s.replace(/[^\x20-\x7e]/g, '')),
    },
    { requiredKeys: [] },
  );
  const body = target.bodyFields === null ? fc.constant(undefined) : bodyArbitrary(target.bodyFields);
  return fc.tuple(pathValues, query, headers, body).map(([values, q, h, b]) => {
    let path = target.template;
    target.pathParams.forEach((name, i) => (path = path.replace(`{${name}}`, encodeURIComponent(wellFormed(String(values[i]))))));
    const search = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [wellFormed(k), wellFormed(v)])).toString();
    return {
      method: target.method,
      path: search === '' ? path : `${path}?${search}`,
      headers: { authorization: `Bearer ${apiKey}`, ...h, ...(b ? { 'content-type': b.contentType } : {}) },
      ...(b ? { body: b.body } : {}),
    };
  });
}

/** Sends one request; streams are cut once their status is known. */
export async function send(baseUrl: string, request: FuzzRequest): Promise<number> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: controller.signal,
  });
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) controller.abort();
  else await response.arrayBuffer();
  return response.status;
}
