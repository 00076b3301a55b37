import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chunkText } from '../src/documents/chunker.js';
import { ApiClient } from './helpers/http.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { pdfWithPages } from './helpers/pdf.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

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
