import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ApiClient } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'dashboard-key';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';
/** Without a browser these tests are skipped with the reason, never left to hang. */
const NO_BROWSER = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (NO_BROWSER) console.log(`# dashboard tests skipped: ${NO_BROWSER}`);

describe('web dashboard in headless Chromium', { skip: NO_BROWSER }, () => {
  let server: TestServer;
  let api: ApiClient;
  let browser: Browser;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    api = new ApiClient(server.url, KEY);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await server.cleanup();
  });

  async function openWithKey(key: string, width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(server.url);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Connect' }).click();
    return page;
  }

  /** Whether the page is wider than its screen, in pixels (> 0 means a horizontal scrollbar). */
  const overflowOf = async (page: Page): Promise<number> =>
    (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;

  it('loads its files without a failed request: the page, its script, styles and icon', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('response', (response) => {
      // The API answers 401 until the key is entered (the dashboard then asks for it): files only.
      if (response.status() >= 400 && !new URL(response.url()).pathname.startsWith('/api/')) failed.push(`${response.status()} ${response.url()}`);
    });
    try {
      await page.goto(server.url, { waitUntil: 'networkidle' });
      const icon = await page.evaluate("document.querySelector('link[rel=icon]')?.href");
      const served = await fetch(icon as string);
      assert.equal(served.status, 200);
      assert.match(served.headers.get('content-type') ?? '', /^image\/svg\+xml/u);
      assert.deepEqual(failed, []);
    } finally {
      await page.close();
    }
  });

  // First, while the database is still empty.
  it('says what an empty store means in every view, and counts in words ("1 memory")', async () => {
    const page = await openWithKey(KEY);
    await page.locator('#connection.live').waitFor();
    await page.getByText('No memories yet. Store the first one above').waitFor();
    await page.locator('#tags .empty', { hasText: 'No tags yet.' }).waitFor();
    assert.match(await page.locator('#page-info').innerText(), /\(0 memories\)/);
    await page.getByRole('button', { name: 'Overview', exact: true }).click();
    await page.getByText('No memories stored in the last 30 days.').waitFor();
    await page.getByText('No tags yet. Tag memories').waitFor();
    await page.locator('#activity .empty', { hasText: 'Nothing yet.' }).waitFor();
    await page.getByRole('button', { name: 'Admin', exact: true }).click();
    await page.getByText('No backups yet.').waitFor();
    await page.getByRole('button', { name: 'Documents', exact: true }).click();
    await page.getByText('No documents yet. Upload a text').waitFor();
    await page.getByRole('button', { name: 'Memories', exact: true }).click();
    const stored = await api.post('/api/memories', { content: 'The first memory of an empty store' });
    await page.locator('#results .memory', { hasText: 'The first memory of an empty store' }).waitFor();
    assert.equal(await page.locator('#results .empty').count(), 0);
    await page.getByText('(1 memory)').waitFor();
    await api.delete(`/api/memories/${stored.body.content_hash}`);
    await page.getByText('No memories yet.').waitFor();
    await page.close();
  });

  it('keeps notices with the moment they belong to: they do not follow the user to other views', async () => {
    const page = await openWithKey(KEY);
    await page.locator('#connection.live').waitFor();
    await page.getByLabel('Content').fill('A memory with a tag that is far too long');
    await page.getByLabel('Tags (comma separated)').fill('x'.repeat(300));
    await page.getByRole('button', { name: 'Store' }).click();
    const notice = page.locator('#notice');
    await notice.getByText('Invalid request', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Admin', exact: true }).click();
    await notice.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Memories', exact: true }).click();
    await page.getByLabel('Content').fill('A short-lived memory for the notice test');
    await page.getByLabel('Tags (comma separated)').fill('notice-test');
    await page.getByRole('button', { name: 'Store' }).click();
    await page.getByText('Stored.').waitFor();
    await page.getByRole('button', { name: 'Overview', exact: true }).click();
    await page.getByRole('button', { name: 'Memories', exact: true }).click();
    assert.equal(await page.locator('#store-status').innerText(), '');
    const listed = (await api.get('/api/memories?tag=notice-test')).body;
    await api.delete(`/api/memories/${listed.memories[0].content_hash}`);
    await page.close();
  });

  it('overview: memories per day, top tags, database size, latency from the server, and a live activity feed', async () => {
    for (const [content, tags] of [
      ['Overview: the on-call rotation changes every Monday', ['oncall', 'team']],
      ['Overview: the staging database is rebuilt nightly', ['infra', 'team']],
      ['Overview: retro notes live in the team wiki', ['team']],
    ] as const) {
      await api.post('/api/memories', { content, tags });
    }
    await api.post('/api/search', { query: 'who is on call?', n_results: 3 });
    const page = await openWithKey(KEY);
    await page.locator('#connection.live').waitFor();
    await page.getByRole('button', { name: 'Overview', exact: true }).click();
    const stats = (await api.get('/api/stats/overview?days=30')).body;
    const today = stats.memories_per_day.at(-1);
    assert.ok(today.count >= 3, JSON.stringify(stats.memories_per_day.slice(-2)));
    // Drawn from the same numbers: one bar per day, the last one (today) as tall as the count says.
    await page.locator('#per-day-chart svg[role="img"]').waitFor();
    assert.equal(await page.locator('#per-day-chart rect.bar').count(), 30);
    assert.equal(await page.locator('#per-day-chart rect.bar').last().getAttribute('data-count'), String(today.count));
    assert.match((await page.locator('#per-day-chart svg').getAttribute('aria-label'))!, /memories stored in the last 30 days/);
    assert.match(await page.locator('#top-tags li').first().innerText(), /^team\s+3$/m);
    await page.locator('#size-chart').getByText(/KB|MB/).first().waitFor();
    const tiles = await page.locator('#overview-tiles').innerText();
    assert.match(tiles, /\d+(\.\d)? ms\s+Store p50/);
    assert.match(tiles, /\d+(\.\d)? ms\s+Search p50/);
    assert.ok(stats.latency.store.count >= 3 && stats.latency.search.count >= 1);

    // Another client's store shows up in the activity feed and in today's bar without a reload.
    await api.post('/api/memories', { content: 'Overview: pushed live while the overview is open', tags: ['team'] });
    await page.locator('#activity li', { hasText: 'Stored: Overview: pushed live while the overview is open' }).waitFor();
    await page.locator(`#per-day-chart rect.bar[data-count="${today.count + 1}"]`).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-overview.png`, fullPage: true });
    await page.close();
  });

  it('asks for the key, stores a memory, finds it by a paraphrase, and deletes it', async () => {
    const page = await openWithKey(KEY);
    await page.locator('#connection.live').waitFor();
    await page.getByLabel('Content').fill('The quarterly planning offsite is in Lisbon on the 14th of March');
    await page.getByLabel('Tags (comma separated)').fill('planning, travel');
    await page.getByLabel('Type', { exact: true }).first().fill('event');
    await page.getByRole('button', { name: 'Store' }).click();
    await page.getByText('Stored.').waitFor();

    await page.getByLabel('Search', { exact: true }).fill('where is the team trip for planning?');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Best matches for').waitFor();
    const first = page.locator('#results .memory').first();
    assert.match(await first.locator('p').innerText(), /offsite is in Lisbon/);
    assert.match(await first.locator('.score').innerText(), /%$/);
    assert.match(await first.locator('.reason').innerText(), /keywords: planning/, 'the hybrid default says which words matched');
    // Exact words only: no model, no similarity, the matching words named.
    await page.getByLabel('Match').selectOption('keyword');
    await page.getByLabel('Search', { exact: true }).fill('Lisbon');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Best matches for "Lisbon"').waitFor();
    assert.equal(await page.locator('#results .memory').count(), 1);
    assert.match(await page.locator('#results .memory .reason').first().innerText(), /keywords: lisbon/);
    await page.getByLabel('Match').selectOption('');
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-main.png`, fullPage: true });

    page.once('dialog', (dialog) => void dialog.accept());
    await first.getByRole('button', { name: /Delete memory/ }).click();
    await page.locator('#results .memory', { hasText: 'offsite is in Lisbon' }).waitFor({ state: 'detached' });
    const listed = await api.get('/api/memories?tag=planning');
    assert.equal(listed.body.total, 0);
    await page.close();
  });

  it('shows memories stored and deleted by another client without a reload', async () => {
    const page = await openWithKey(KEY);
    await page.locator('#connection.live').waitFor();
    const stored = await api.post('/api/memories', { content: 'Pushed live from another client: the build server moved to rack 7', tags: ['infra'] });
    const card = page.locator('#results .memory', { hasText: 'build server moved to rack 7' });
    await card.waitFor();
    await page.locator('#tags button', { hasText: 'infra' }).waitFor();
    await api.delete(`/api/memories/${stored.body.content_hash}`);
    await card.waitFor({ state: 'detached' });
    await page.close();
  });

  it('spaces: the picker lists them; choosing one shows, stores into and follows only that space', async () => {
    const team = await api.post('/api/memories', { content: 'Team lunch moved to Friday', space: 'team' });
    const other = await api.post('/api/memories', { content: 'A note in the default space about lunch' });
    const page = await openWithKey(KEY);
    await page.locator('#connection.live').waitFor();
    await page.locator('#space-picker option[value="team"]').waitFor({ state: 'attached' });
    await page.selectOption('#space-picker', 'team');
    await page.locator('#results .memory', { hasText: 'Team lunch moved to Friday' }).waitFor();
    await page.locator('#results .memory', { hasText: 'default space about lunch' }).waitFor({ state: 'detached' });
    assert.equal(await page.locator('#results .memory .space').first().textContent(), 'team');
    await page.locator('#connection.live').waitFor();
    await page.getByLabel('Content').fill('Stored from the dashboard into the team space');
    await page.getByRole('button', { name: 'Store' }).click();
    await page.locator('#results .memory', { hasText: 'Stored from the dashboard into the team space' }).waitFor();
    const stored = await api.get('/api/memories?space=team');
    assert.ok(stored.body.memories.some((m: { content: string }) => m.content === 'Stored from the dashboard into the team space'));
    // Another client's writes: the team's show up live, the default space's do not.
    const live = await api.post('/api/memories', { content: 'Live team update: lunch at noon', space: 'team' });
    await page.locator('#results .memory', { hasText: 'Live team update' }).waitFor();
    await api.post('/api/memories', { content: 'Live default-space update nobody here should see' });
    await api.post('/api/memories', { content: 'Second live team update', space: 'team' });
    await page.locator('#results .memory', { hasText: 'Second live team update' }).waitFor();
    assert.equal(await page.locator('#results .memory', { hasText: 'nobody here should see' }).count(), 0);
    await page.selectOption('#space-picker', '');
    await page.locator('#results .memory', { hasText: 'nobody here should see' }).waitFor();
    await page.close();
    for (const memory of (await api.get('/api/memories?page_size=100')).body.memories as { content_hash: string; space: string }[]) {
      if ([team, other, live].some((m) => m.body.content_hash === memory.content_hash) || memory.space === 'team' || /live|lunch/i.test(JSON.stringify(memory)))
        await api.delete(`/api/memories/${memory.content_hash}?space=${memory.space}`);
    }
  });

  it('history: a memory with versions has a History button listing them, oldest first, with the reason', async () => {
    const first = await api.post('/api/memories', { content: 'The design review is on Wednesdays' });
    const next = await api.put(`/api/memories/${first.body.content_hash}`, {
      content: 'The design review is on Thursdays',
      versioned: true,
      reason: 'clashed with the sprint demo',
    });
    const page = await openWithKey(KEY);
    const card = page.locator('#results .memory', { hasText: 'The design review is on Thursdays' });
    await card.waitFor();
    assert.equal(await page.locator('#results .memory', { hasText: 'on Wednesdays' }).count(), 0, 'the old version is hidden');
    await card.getByRole('button', { name: /History of memory/ }).click();
    const versions = card.locator('.history li');
    await versions.nth(1).waitFor();
    assert.deepEqual(await versions.locator('p').allTextContents(), ['The design review is on Wednesdays', 'The design review is on Thursdays']);
    await card.locator('.history', { hasText: 'clashed with the sprint demo' }).waitFor();
    await page.close();
    await api.delete(`/api/memories/${next.body.content_hash}`);
  });

  it('says clearly when the key is missing (401) or wrong (403)', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByText('This server needs an API key (401)').waitFor();
    await page.getByLabel('API key').fill('not-the-key');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('The API key was rejected (403)').waitFor();
    await page.close();
  });

  it('admin: back up now, the backup appears in the list; health shows the model', async () => {
    const page = await openWithKey(KEY);
    await page.locator('#connection.live').waitFor();
    await page.getByRole('button', { name: 'Admin', exact: true }).click();
    await page.getByText('use-lite (512-d)').waitFor();
    // The size counts the write-ahead log, where recent writes are until a checkpoint, and names both parts.
    await page.getByText(/^[\d.]+ [KM]B \(file [\d.]+ [KM]B, write-ahead log [\d.]+ [KM]B\)$/u).waitFor();
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByText(/Created backup-\d{8}-\d{6}/).waitFor();
    const backups = (await api.get('/api/admin/backups')).body;
    assert.ok(backups.total >= 1);
    // The list is redrawn after the notice: wait for the newest row, then compare.
    await page.locator(`#backups tr[data-backup="${backups.backups[0].backup_id}"]`).waitFor();
    assert.equal(await page.locator('#backups tbody tr').count(), backups.total);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-admin.png`, fullPage: true });
    await page.close();
  });

  it('documents: uploads files, follows each until it is read, lists what it became (its passages), and deletes one with its passages', async () => {
    const page = await openWithKey(KEY);
    await page.locator('#connection.live').waitFor();
    await page.getByRole('button', { name: 'Documents', exact: true }).click();
    const guide = [
      '# On-call guide',
      '',
      ...Array.from({ length: 12 }, (_, i) => `Rule ${i + 1}: page the secondary after ${i + 5} minutes without an answer.`),
    ].join('\n');
    await page.getByLabel('Files').setInputFiles({ name: 'oncall.md', mimeType: 'text/markdown', buffer: Buffer.from(guide) });
    await page.getByLabel('Tags for every passage').fill('oncall');
    await page.getByLabel('Characters per passage').fill('200');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText(/^oncall\.md: \d+ passages stored$/).waitFor();
    const row = page.locator('#uploads tr[data-upload]', { hasText: 'oncall.md' });
    await row.waitFor();
    const uploadId = await row.getAttribute('data-upload');
    const passages = (await api.get(`/api/documents/search-content/${uploadId}`)).body;
    assert.ok(passages.total_found >= 3 && passages.memories.every((m: { tags: string[] }) => m.tags.includes('oncall')));
    await page.getByRole('button', { name: 'Passages of oncall.md' }).click();
    await page
      .locator('ol.passages li')
      .nth(passages.total_found - 1)
      .waitFor();
    assert.match(await page.locator('ol.passages li').first().innerText(), /^#1\s+# On-call guide/);

    await page.getByLabel('Files').setInputFiles([
      { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('The VPN guide is in the IT wiki.') },
      { name: 'b.json', mimeType: 'application/json', buffer: Buffer.from('{"office": "Lisbon", "opens": "May"}') },
    ]);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText('Batch (2 files): 2 passages stored').waitFor();
    await page.locator('#uploads tr[data-upload]', { hasText: 'Batch (2 files)' }).waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete oncall.md' }).click();
    await page.getByText(`oncall.md: ${passages.total_found} passages deleted.`).waitFor();
    await row.waitFor({ state: 'detached' });
    assert.equal((await api.get(`/api/memories?tag=upload_id:${uploadId}`)).body.total, 0);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-documents.png`, fullPage: true });
    await page.close();
  });

  it('fits a phone screen (390 px) in every view, with data in it', async () => {
    assert.ok((await api.get('/api/admin/backups')).body.total >= 1, 'the admin test made a backup to show');
    const page = await openWithKey(KEY, 390);
    await page.locator('#connection.live').waitFor();
    await page.locator('#results .memory').first().waitFor();
    const views = [
      ['Memories', '#results .memory'],
      ['Overview', '#per-day-chart svg'],
      ['Documents', '#uploads tbody tr[data-upload]'],
      ['Admin', '#backups tbody tr[data-backup]'],
    ] as const;
    for (const [view, content] of views) {
      await page.getByRole('button', { name: view, exact: true }).click();
      await page.locator(content).first().waitFor();
      const overflow = await overflowOf(page);
      await page.screenshot({ path: `${ARTIFACTS}/dashboard-phone-${view.toLowerCase()}.png`, fullPage: true });
      assert.ok(overflow <= 0, `${view} is ${overflow}px wider than the screen`);
    }
    await page.close();
  });
});

describe('dashboard when the server goes away', { skip: NO_BROWSER }, () => {
  it('shows that the server is not reachable and that the live feed is reconnecting', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.getByLabel('API key').fill(KEY);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.locator('#connection.live').waitFor();
      await server.stop();
      await page.getByText(/Reconnecting|Offline/).waitFor();
      await page.getByLabel('Search', { exact: true }).fill('anything');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText('The server is not reachable').waitFor();
    } finally {
      await browser.close();
      await server.cleanup();
    }
  });
});

describe('OAuth consent page in headless Chromium', { skip: NO_BROWSER }, () => {
  it('the operator enters an admin key, sees the client and its scopes, grants read only, and the browser returns to the client with a code', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_OAUTH_ENABLED: 'true' } });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const redirect = 'http://127.0.0.1:9/callback';
      const anonymous = new ApiClient(server.url);
      const client = await anonymous.post('/register', {
        client_name: 'Consent <b>test</b> client',
        redirect_uris: [redirect],
        token_endpoint_auth_method: 'none',
      });
      const verifier = randomBytes(32).toString('base64url');
      const authorize = new URL(`${server.url}/authorize`);
      for (const [name, value] of Object.entries({
        client_id: client.body.client_id,
        response_type: 'code',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        redirect_uri: redirect,
        scope: 'read write',
        state: 'page-state',
      }))
        authorize.searchParams.set(name, value);
      const page = await browser.newPage();
      // The client's redirect URI is not served here: the browser's arrival there is caught instead.
      let returned: URL | null = null;
      await page.route(`${redirect}**`, async (route) => {
        returned = new URL(route.request().url());
        await route.fulfill({ status: 200, body: 'back at the client' });
      });
      await page.goto(authorize.href);
      assert.equal(new URL(page.url()).pathname, '/oauth-consent.html');
      await page.getByLabel('Admin API key').fill('wrong-key');
      await page.getByRole('button', { name: 'Show the request' }).click();
      await page.getByText('Invalid API key').waitFor();
      await page.getByLabel('Admin API key').fill(KEY);
      await page.getByRole('button', { name: 'Show the request' }).click();
      await page.locator('#client-name', { hasText: 'Consent <b>test</b> client' }).waitFor();
      assert.equal(await page.locator('#client-name b').count(), 0, 'the client name is text, never markup');
      assert.equal(await page.locator('#redirect-uri').innerText(), redirect);
      await page.getByLabel(/write: store/).uncheck();
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByText('back at the client').waitFor();
      const back = returned as URL | null;
      assert.ok(back !== null);
      assert.equal(back.searchParams.get('state'), 'page-state');
      const tokens = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: client.body.client_id,
          code: back.searchParams.get('code')!,
          code_verifier: verifier,
          redirect_uri: redirect,
        }),
      });
      assert.equal(((await tokens.json()) as { scope: string }).scope, 'read');
    } finally {
      await browser.close();
      await server.cleanup();
    }
  });
});
