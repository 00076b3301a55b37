import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chunkText } from '../src/documents/chunker.js';
import { keyDigest, writeKeysFile } from '../src/auth/keys-file.js';
import { ApiClient } from './helpers/http.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { pdfWithPages } from './helpers/pdf.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';
import { waitUntil } from './helpers/wait.js';

const KEY = 'documents-key';

const RUNBOOK = [
  '# Staging runbook',
  '',
  ...Array.from({ length: 30 }, (_, i) => `Step ${i + 1}: check that service number ${i + 1} answers its health probe before moving on to the next one.`),
  '',
  'The staging database is restored from the nightly snapshot every Sunday at 04:00 UTC.',
].join('\n');

describe('documents: ingested as passages tagged with their source (REST and MCP)', () => {
  let server: TestServer;
  let api: ApiClient;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    api = new ApiClient(server.url, KEY);
  });
  after(async () => {
    await server.cleanup();
  });

  it('cuts text into overlapping passages at paragraph, line, sentence or word boundaries', () => {
    const passages = chunkText(RUNBOOK, 300, 60);
    assert.ok(passages.length >= 8);
    assert.ok(passages.every((p) => p.length <= 300 && p === p.trim()));
    for (let i = 1; i < passages.length; i++) {
      // Each passage starts inside the one before: the last words of one are the first of the next.
      const lastWords = passages[i - 1]!.split(' ').slice(-3).join(' ');
      assert.ok(passages[i]!.includes(lastWords), `passage ${i} overlaps the one before`);
    }
    assert.deepEqual(chunkText('  \n ', 300, 60), []);
    assert.deepEqual(chunkText('short', 300, 60), ['short']);
  });

  it('a Markdown document becomes passages, each a memory tagged source_file, file_type and upload_id, found by a search', async () => {
    const res = await api.post('/api/documents/ingest', { source_name: 'runbook.md', content: RUNBOOK, tags: ['Ops'], chunk_size: 400, chunk_overlap: 80 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { upload_id: uploadId, total_chunks: total, chunks_stored: stored, content_hashes: hashes, pages } = res.body;
    assert.ok(total >= 5 && stored === total && hashes.length === total && pages === 1);
    const listed = await api.get(`/api/memories?tag=upload_id:${uploadId}&page_size=100`);
    assert.equal(listed.body.total, total);
    const memory = listed.body.memories[0];
    assert.ok(
      ['ops', 'source_file:runbook.md', 'file_type:md', `upload_id:${uploadId}`].every((t) => memory.tags.includes(t)),
      memory.tags.join(),
    );
    assert.deepEqual([memory.memory_type, memory.metadata.source_file, typeof memory.metadata.chunk_index], ['document', 'runbook.md', 'number']);
    const found = await api.post('/api/search', { query: 'when is the staging database restored?', n_results: 1, tags: ['file_type:md'] });
    assert.match(found.body.results[0].memory.content, /restored from the nightly snapshot every Sunday/);
    const again = await api.post('/api/documents/ingest', { source_name: 'runbook.md', content: RUNBOOK, chunk_size: 400, chunk_overlap: 80 });
    assert.equal(again.body.chunks_stored, 0, 'the same passages again are not stored twice');
  });

  it('a PDF comes as base64 and is read page by page (off the event loop); every passage knows its page', async () => {
    const pdf = pdfWithPages([
      ['Quarterly report, page one.', 'Revenue grew in every region.'],
      ['Page two: the Lisbon office opens in May.', 'Hiring continues in Berlin.'],
    ]);
    const res = await api.post('/api/documents/ingest', {
      source_name: 'Report.PDF',
      content_base64: pdf.toString('base64'),
      chunk_size: 200,
      chunk_overlap: 20,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.pages, 2);
    const passages = await api.get(`/api/memories?tag=upload_id:${res.body.upload_id}`);
    const byPage = new Map(passages.body.memories.map((m: { metadata: { page: number }; content: string }) => [m.metadata.page, m.content]));
    assert.match(String(byPage.get(2)), /Lisbon office opens in May/);
    assert.match(String(byPage.get(1)), /Revenue grew/);
    assert.ok(passages.body.memories.every((m: { tags: string[] }) => m.tags.includes('file_type:pdf')));
  });

  it('refuses what it cannot read, with a 400 that says why, and stores nothing of it', async () => {
    const before = (await api.get('/api/health')).body.statistics.total_memories;
    for (const [body, pattern] of [
      [{ source_name: 'notes.docx', content: 'x' }, /extension|ending in/],
      [{ source_name: 'notes.md' }, /content/],
      [{ source_name: 'notes.md', content: 'x', content_base64: 'eA==' }, /one of them/],
      [{ source_name: 'notes.md', content: 'x', chunk_size: 200, chunk_overlap: 200 }, /smaller than chunk_size/],
      [{ source_name: 'broken.pdf', content_base64: Buffer.from('not a pdf at all').toString('base64') }, /not a readable PDF/],
      [{ source_name: 'notes.md', content: '   ' }, /no text/],
      [{ source_name: 'big.txt', content: 'x'.repeat(2 * 1_048_576 + 1) }, /at most/],
    ] as const) {
      const res = await api.post('/api/documents/ingest', body);
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.detail, pattern);
    }
    assert.equal((await api.get('/api/health')).body.statistics.total_memories, before);
    assert.equal((await new ApiClient(server.url, null).post('/api/documents/ingest', { source_name: 'a.md', content: 'x' })).status, 401);
  });

  it('MCP memory_ingest takes the content with the call, never a path on the server', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${KEY}` } } });
    const client = new Client({ name: 'documents-tests', version: '1.0.0' });
    await client.connect(transport);
    try {
      const ingested = await callTool(client, 'memory_ingest', {
        source_name: 'faq.txt',
        content: 'Q: Where is the VPN guide? A: In the IT wiki, page "Remote access".',
        store: 'docs',
      });
      assert.equal(ingested.isError, undefined, textOf(ingested));
      assert.match(textOf(ingested), /Document ingested: faq\.txt, 1 page\(s\), 1 passages/);
      const noContent = await callTool(client, 'memory_ingest', { source_name: 'passwd.txt', file_path: '/etc/passwd' });
      assert.equal(noContent.isError, true);
      assert.match(textOf(noContent), /never reads a path/);
    } finally {
      await client.close();
    }
  });
});

/** upstream's multipart form: the file (or files) and its form fields. */
function uploadForm(
  files: { name: string; data: string | Buffer }[],
  fields: Record<string, string> = {},
  field = files.length === 1 ? 'file' : 'files',
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) form.append(field, new Blob([file.data]), file.name);
  return form;
}

describe("documents: upstream's upload routes (multipart, background, status, history, content, removal)", () => {
  const dir = makeTempDir();
  const keysFile = join(dir, 'keys.yaml');
  const ALICE = 'alice-documents-key-0123456789';
  const BOB = 'bob-documents-key-0123456789ab';
  const READER = 'reader-documents-key-01234567';
  let server: TestServer;
  let alice: ApiClient;
  let bob: ApiClient;

  before(async () => {
    writeKeysFile(keysFile, [
      { label: 'alice', sha256: keyDigest(ALICE), scopes: ['read', 'write'], expires: null, created: null, spaces: { write: ['alice-docs'], read: [] } },
      { label: 'bob', sha256: keyDigest(BOB), scopes: ['read', 'write'], expires: null, created: null, spaces: { write: ['bob-docs'], read: [] } },
      { label: 'reader', sha256: keyDigest(READER), scopes: ['read'], expires: null, created: null },
    ]);
    await start();
  });
  const start = async (reuse?: string): Promise<void> => {
    server = await startTestServer({ ...(reuse ? { dir: reuse } : {}), env: { MCP_API_KEYS_FILE: keysFile, MCP_MEMORY_MAX_CONTENT_BYTES: '65536' } });
    alice = new ApiClient(server.url, ALICE);
    bob = new ApiClient(server.url, BOB);
  };
  after(async () => {
    await server.cleanup();
  });

  const finished = async (client: ApiClient, uploadId: string) => {
    let status: any;
    await waitUntil(
      async () => {
        status = (await client.get(`/api/documents/status/${uploadId}`)).body;
        return status.status === 'completed' || status.status === 'failed';
      },
      { timeoutMs: 60_000, what: `upload ${uploadId} to finish` },
    );
    return status;
  };

  it('an upload is answered at once (queued), read in the background, and its passages are listed in order, found by a search, and removed with it', async () => {
    const queued = await alice.upload(
      '/api/documents/upload',
      uploadForm([{ name: 'runbook.md', data: RUNBOOK }], { tags: 'ops, staging', chunk_size: '400', chunk_overlap: '80' }),
    );
    assert.equal(queued.status, 200, JSON.stringify(queued.body));
    assert.deepEqual([queued.body.status, queued.body.message], ['queued', 'Document runbook.md queued for processing']);
    const status = await finished(alice, queued.body.upload_id);
    assert.equal(status.status, 'completed', JSON.stringify(status));
    assert.ok(status.total_chunks >= 5 && status.chunks_stored === status.total_chunks && status.progress === 100, JSON.stringify(status));
    assert.deepEqual([status.filename, status.file_size, status.errors], ['runbook.md', Buffer.byteLength(RUNBOOK), []]);

    const content = await alice.get(`/api/documents/search-content/${queued.body.upload_id}`);
    assert.equal(content.status, 200);
    assert.equal(content.body.total_found, status.total_chunks);
    assert.deepEqual(
      content.body.memories.map((m: { chunk_index: number }) => m.chunk_index),
      [...Array(status.total_chunks).keys()],
    );
    assert.ok(content.body.memories.every((m: { tags: string[]; page: null }) => m.tags.includes('ops') && m.tags.includes('staging') && m.page === null));
    assert.equal((await alice.get(`/api/documents/search-content/${queued.body.upload_id}?limit=2`)).body.total_found, 2);
    const found = await alice.post('/api/search', { query: 'when is the staging database restored?', n_results: 1 });
    assert.match(found.body.results[0].memory.content, /nightly snapshot every Sunday/);
    assert.equal(found.body.results[0].memory.space, 'alice-docs');

    const history = await alice.get('/api/documents/history');
    assert.equal(history.body.uploads[0].upload_id, queued.body.upload_id);

    // Bob has no reach into Alice's space: her upload does not exist for him.
    for (const path of [`/api/documents/status/${queued.body.upload_id}`, `/api/documents/search-content/${queued.body.upload_id}`]) {
      assert.equal((await bob.get(path)).status, 404, path);
    }
    assert.equal((await bob.delete(`/api/documents/remove/${queued.body.upload_id}`)).status, 404);
    assert.deepEqual((await bob.get('/api/documents/history')).body, { uploads: [] });

    const removed = await alice.delete(`/api/documents/remove/${queued.body.upload_id}`);
    assert.deepEqual(removed.body, {
      status: 'success',
      upload_id: queued.body.upload_id,
      filename: 'runbook.md',
      memories_deleted: status.total_chunks,
      message: "Document 'runbook.md' removed successfully",
    });
    assert.equal((await alice.get(`/api/memories?tag=upload_id:${queued.body.upload_id}`)).body.total, 0);
    assert.equal((await alice.get(`/api/documents/status/${queued.body.upload_id}`)).status, 404);
  });

  it('a batch upload reads every file under one id (a PDF page by page); what it became survives a restart; removal by tag takes whole documents', async () => {
    const pdf = pdfWithPages([['The Lisbon office opens in May.'], ['Hiring continues in Berlin.']]);
    const queued = await alice.upload(
      '/api/documents/batch-upload',
      uploadForm(
        [
          { name: 'faq.txt', data: 'Q: Where is the VPN guide? A: In the IT wiki.' },
          { name: 'report.pdf', data: pdf },
        ],
        { tags: 'quarterly' },
      ),
    );
    assert.equal(queued.status, 200, JSON.stringify(queued.body));
    assert.equal(queued.body.message, 'Batch of 2 documents queued for processing');
    const status = await finished(alice, queued.body.upload_id);
    assert.deepEqual([status.status, status.filename, status.chunks_stored], ['completed', 'Batch (2 files)', 3], JSON.stringify(status));
    const pages = (await alice.get(`/api/documents/search-content/${queued.body.upload_id}`)).body.memories.map((m: { page: number | null }) => m.page);
    assert.deepEqual(pages.sort(), [1, 2, null]);

    await server.stop();
    await start(server.dir);
    const after = await alice.get(`/api/documents/status/${queued.body.upload_id}`);
    assert.deepEqual([after.status, after.body.status, after.body.chunks_stored, after.body.filename], [200, 'completed', 3, 'Batch (2 files)']);
    assert.ok((await alice.get('/api/documents/history')).body.uploads.some((u: { upload_id: string }) => u.upload_id === queued.body.upload_id));

    // Upstream sends the tags as a bare JSON array.
    const removed = await alice.request('/api/documents/remove-by-tags', { method: 'DELETE', body: ['quarterly'] });
    assert.deepEqual([removed.status, removed.body.memories_deleted, removed.body.affected_uploads], [200, 3, [queued.body.upload_id]]);
    // A memory that merely shares the tag is not a document: it stays.
    const note = await alice.post('/api/memories', { content: 'Quarterly planning is in March', tags: ['quarterly'] });
    const again = await alice.request('/api/documents/remove-by-tags', { method: 'DELETE', body: { tags: ['quarterly'] } });
    assert.deepEqual([again.body.memories_deleted, again.body.affected_uploads], [0, []]);
    assert.equal((await alice.get(`/api/memories/${note.body.content_hash}`)).status, 200);
  });

  it('refuses what it cannot take, with a clear 4xx, and stores nothing', async () => {
    const before = (await alice.get('/api/memories')).body.total;
    const refused: [Promise<{ status: number; body: any }>, number, RegExp][] = [
      [alice.upload('/api/documents/upload', uploadForm([{ name: 'notes.docx', data: 'x' }])), 400, /ending in/],
      [alice.upload('/api/documents/upload', uploadForm([{ name: 'empty.md', data: '' }])), 400, /empty/],
      [alice.upload('/api/documents/upload', uploadForm([{ name: 'a.md', data: 'x' }], { chunk_size: 'ten' })), 400, /chunk_size/],
      [alice.upload('/api/documents/upload', uploadForm([{ name: 'a.md', data: 'x' }], { colour: 'red' })), 400, /not a field/],
      [alice.upload('/api/documents/upload', uploadForm([{ name: 'a.md', data: 'x' }], {}, 'document')), 400, /as "file"/],
      [alice.upload('/api/documents/upload', uploadForm([{ name: 'big.txt', data: 'x'.repeat(2 * 65_536 + 1) }])), 413, /larger than the largest document/],
      [alice.upload('/api/documents/batch-upload', uploadForm(Array.from({ length: 11 }, (_, i) => ({ name: `n${i}.md`, data: 'x' })))), 413, /at most 10/],
      [alice.post('/api/documents/upload', { file: 'x' }), 415, /multipart\/form-data/],
      [alice.upload('/api/memories', uploadForm([{ name: 'a.md', data: 'x' }])), 415, /application\/json/],
      [alice.upload('/api/documents/upload', uploadForm([{ name: 'a.md', data: 'x' }]), { apiKey: null }), 401, /key/i],
      [alice.upload('/api/documents/upload', uploadForm([{ name: 'a.md', data: 'x' }]), { apiKey: READER }), 403, /write/],
      [alice.get('/api/documents/history', { apiKey: READER }), 403, /write/],
      [alice.upload('/api/documents/upload', uploadForm([{ name: 'a.md', data: 'x' }]), { headers: { origin: 'https://evil.example' } }), 403, /origin/i],
      [alice.request('/api/documents/remove-by-tags', { method: 'DELETE', body: { tags: 'quarterly' } }), 400, /JSON array/],
      [alice.get('/api/documents/search-content/x?limit=0'), 400, /limit/],
      [
        alice.request('/api/documents/upload', {
          method: 'POST',
          rawBody: '--x\r\nContent-Disposition: form-data; name="file"; filename="a.md"\r\n\r\nhello',
          headers: { 'content-type': 'multipart/form-data; boundary=x' },
        }),
        400,
        /not a readable multipart form/,
      ],
    ];
    for (const [pending, status, detail] of refused) {
      const res = await pending;
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.match(res.body.detail, detail);
    }
    // A file that cannot be read fails in the background, and says why.
    const broken = await alice.upload('/api/documents/upload', uploadForm([{ name: 'broken.pdf', data: 'not a pdf at all' }]));
    const status = await finished(alice, broken.body.upload_id);
    assert.equal(status.status, 'failed');
    assert.match(status.errors[0], /broken\.pdf: .*not a readable PDF/);
    assert.equal((await alice.get('/api/memories')).body.total, before);
  });
});
