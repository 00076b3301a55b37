import { documentsView } from './documents.js';

// The dashboard: plain DOM, no framework, no CDN. All text from the server is inserted with
// textContent (memories may contain markup). The key lives in sessionStorage for this tab only.
const KEY_STORAGE = 'mcp-memory-api-key';
const SPACE_STORAGE = 'mcp-memory-space';
const PAGE_SIZE = 20;
const OVERVIEW_DAYS = 30;
const ACTIVITY_LIMIT = 30;
const VIEWS = ['memories', 'overview', 'documents', 'admin'];

const $ = (id) => document.getElementById(id);
const state = {
  key: sessionStorage.getItem(KEY_STORAGE),
  /** The space the page shows and stores into ('' = every space the key may read; stores go to its default). */
  space: sessionStorage.getItem(SPACE_STORAGE) ?? '',
  page: 1,
  total: 0,
  /** 'list' | 'search' | 'recall' */
  mode: 'list',
  events: null,
  reconnects: 0,
  /** 'memories' | 'overview' | 'documents' | 'admin' */
  view: 'memories',
  /** The live activity feed, newest first (changes seen on the event stream since the page opened). */
  activity: [],
  overviewTimer: null,
};

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'className') element.className = value;
    else element.setAttribute(name, value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) element.append(child);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children.flat()) if (child !== null && child !== undefined) element.append(child);
  return element;
}

/** "1 memory", "2 memories", "1,234 memories". */
function plural(count, one, many) {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

function showNotice(message, kind = 'error') {
  const notice = $('notice');
  notice.textContent = message;
  notice.className = `notice ${kind === 'info' ? 'info' : 'error'}`;
  notice.hidden = false;
}

function clearNotice() {
  $('notice').hidden = true;
}

function explain(error) {
  if (!(error instanceof ApiError)) return `The server is not reachable (${error.message}). It may have stopped; retrying when you try again.`;
  if (error.status === 401) return 'This server needs an API key (401). Enter it to continue.';
  if (error.status === 403) return 'The API key was rejected (403). Check it and enter it again.';
  if (error.status === 429) return `Too many wrong keys from this address (429): ${error.message}`;
  return error.message;
}

async function api(path, options = {}) {
  // A form (document uploads) sets its own multipart Content-Type.
  const headers = { ...(options.body ? { 'content-type': 'application/json' } : {}) };
  if (state.key) headers.authorization = `Bearer ${state.key}`;
  // One memory's own routes name its space in the path's query instead.
  if (state.space && !options.ownSpace) headers['x-memory-space'] = state.space;
  let response;
  try {
    const payload = options.form ?? (options.body ? JSON.stringify(options.body) : undefined);
    response = await fetch(`api${path}`, { method: options.method ?? 'GET', headers, body: payload });
  } catch (error) {
    throw new Error(error.message || 'network error');
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.detail ?? `HTTP ${response.status}`);
  return body;
}

async function guarded(work) {
  try {
    const result = await work();
    // The server answers again: an earlier error no longer holds (information notices stay).
    if ($('notice').classList.contains('error')) clearNotice();
    return result;
  } catch (error) {
    showNotice(explain(error));
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) askForKey(explain(error));
    return undefined;
  }
}

// ---- key ----

function askForKey(message = '') {
  $('key-error').textContent = message;
  const dialog = $('key-dialog');
  if (!dialog.open) dialog.showModal();
  $('key-input').focus();
}

async function connect(key) {
  state.key = key || null;
  try {
    await api('/memories?page_size=1');
  } catch (error) {
    askForKey(explain(error));
    return false;
  }
  if (state.key) sessionStorage.setItem(KEY_STORAGE, state.key);
  else sessionStorage.removeItem(KEY_STORAGE);
  $('key-dialog').close();
  clearNotice();
  openEventStream();
  await Promise.all([loadSpaces(), loadMemories(), loadTags(), loadHealth()]);
  renderActivity();
  return true;
}

// ---- spaces ----

/** The spaces this key may read, in the picker (a space chosen earlier stays chosen while the key may read it). */
async function loadSpaces() {
  const result = await guarded(() => api('/spaces', { ownSpace: true }));
  if (!result) return;
  const picker = $('space-picker');
  const options = result.spaces.map(({ space, count, default: isDefault }) =>
    h('option', { value: space }, `${space} (${count.toLocaleString('en-US')})${isDefault ? ' · default' : ''}`),
  );
  picker.replaceChildren(h('option', { value: '' }, 'All my spaces'), ...options);
  if (!result.spaces.some(({ space }) => space === state.space)) chooseSpace('', false);
  picker.value = state.space;
}

function chooseSpace(space, reload = true) {
  state.space = space;
  if (space) sessionStorage.setItem(SPACE_STORAGE, space);
  else sessionStorage.removeItem(SPACE_STORAGE);
  if (!reload) return;
  state.page = 1;
  openEventStream();
  loadMemories();
  loadTags();
  if (state.view === 'overview') loadOverview();
}

/** A memory's own routes, in its own space (the same text may be in several). */
const memoryPath = (memory) => `/memories/${memory.content_hash}?space=${encodeURIComponent(memory.space)}`;
// Space names hold no quotes or backslashes (letters, digits and ~ . _ - @ :): safe inside the quoted value.
const cardSelector = (hash, space) => `.memory[data-hash="${hash}"][data-space="${space}"]`;

// ---- memories ----

function tagList(tags) {
  return (tags ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

function memoryCard(memory, score, reason) {
  const created = new Date(memory.created_at_iso).toLocaleString();
  const card = h(
    'li',
    { className: 'memory', 'data-hash': memory.content_hash, 'data-space': memory.space },
    h('p', {}, memory.content),
    h(
      'div',
      { className: 'meta' },
      score !== undefined ? h('span', { className: 'score', title: reason ? `similarity; ${reason}` : 'similarity' }, `${Math.round(score * 100)}%`) : null,
      reason ? h('span', { className: 'reason' }, reason) : null,
      h('span', { className: 'space', title: 'space' }, memory.space),
      memory.memory_type ? h('span', {}, memory.memory_type) : null,
      memory.tags.map((tag) => h('span', { className: 'chip' }, tag)),
      h('time', { datetime: memory.created_at_iso }, created),
    ),
  );
  const actions = h(
    'div',
    { className: 'actions' },
    h(
      'button',
      { type: 'button', className: 'secondary', 'aria-label': `Edit memory: ${memory.content.slice(0, 40)}`, onclick: () => editMemory(card, memory) },
      'Edit',
    ),
    h(
      'button',
      { type: 'button', className: 'danger', 'aria-label': `Delete memory: ${memory.content.slice(0, 40)}`, onclick: () => deleteMemory(memory) },
      'Delete',
    ),
    memory.supersedes || memory.superseded_by
      ? h(
          'button',
          {
            type: 'button',
            className: 'secondary',
            'aria-label': `History of memory: ${memory.content.slice(0, 40)}`,
            onclick: () => showHistory(card, memory),
          },
          'History',
        )
      : null,
  );
  card.append(actions);
  return card;
}

/** The memory's versions, oldest first, under its card (a second click hides them). */
async function showHistory(card, memory) {
  const shown = card.querySelector('.history');
  if (shown) return shown.remove();
  const history = await guarded(() => api(`${memoryPath(memory).replace('?', '/history?')}`, { ownSpace: true }));
  if (!history) return;
  card.append(
    h(
      'ol',
      { className: 'history', 'aria-label': 'Versions, oldest first' },
      history.versions.map((version) =>
        h(
          'li',
          { className: version.superseded_by ? 'superseded' : 'current' },
          h('p', {}, version.content),
          h(
            'div',
            { className: 'meta' },
            h('span', {}, version.superseded_by ? 'superseded' : 'current'),
            typeof version.metadata.evolution_reason === 'string' ? h('span', { className: 'reason' }, version.metadata.evolution_reason) : null,
            h('time', { datetime: version.created_at_iso }, new Date(version.created_at_iso).toLocaleString()),
          ),
        ),
      ),
    ),
  );
}

function editMemory(card, memory) {
  const id = `edit-${memory.content_hash.slice(0, 8)}`;
  const form = h(
    'form',
    { className: 'edit' },
    h('label', { for: `${id}-tags` }, 'Tags'),
    h('input', { id: `${id}-tags`, value: memory.tags.join(', ') }),
    h('label', { for: `${id}-type` }, 'Type'),
    h('input', { id: `${id}-type`, value: memory.memory_type ?? '' }),
    h(
      'div',
      { className: 'actions' },
      h('button', { type: 'submit' }, 'Save'),
      h('button', { type: 'button', className: 'secondary', onclick: () => form.remove() }, 'Cancel'),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const type = form.querySelector(`#${id}-type`).value.trim();
    const updated = await guarded(() =>
      api(memoryPath(memory), {
        ownSpace: true,
        method: 'PUT',
        body: { tags: tagList(form.querySelector(`#${id}-tags`).value), ...(type ? { memory_type: type } : {}) },
      }),
    );
    if (updated) card.replaceWith(memoryCard(updated.memory));
  });
  card.append(form);
  form.querySelector('input').focus();
}

async function deleteMemory(memory) {
  if (!window.confirm(`Delete this memory?\n\n${memory.content.slice(0, 200)}`)) return;
  const deleted = await guarded(() => api(memoryPath(memory), { method: 'DELETE', ownSpace: true }));
  if (deleted) removeCard(memory.content_hash, memory.space);
}

function removeCard(hash, space) {
  document.querySelector(cardSelector(hash, space))?.remove();
}

function pageInfo() {
  const pages = Math.max(1, Math.ceil(state.total / PAGE_SIZE));
  return `Page ${state.page} of ${pages} (${plural(state.total, 'memory', 'memories')})`;
}

/** The results, or what an empty list means and what to do next. */
function showResults(title, items, emptyMessage) {
  $('results-title').textContent = title;
  $('results').replaceChildren(
    ...(items.length > 0 ? items.map(({ memory, score, reason }) => memoryCard(memory, score, reason)) : [h('li', { className: 'empty' }, emptyMessage)]),
  );
  const pages = Math.max(1, Math.ceil(state.total / PAGE_SIZE));
  const paged = state.mode === 'list';
  $('page-info').textContent = paged ? pageInfo() : `${items.length} found`;
  $('prev-page').disabled = !paged || state.page <= 1;
  $('next-page').disabled = !paged || state.page >= pages;
}

async function loadMemories() {
  state.mode = 'list';
  const query = new URLSearchParams({ page: String(state.page), page_size: String(PAGE_SIZE) });
  const tag = $('filter-tag').value.trim();
  const type = $('filter-type').value.trim();
  if (tag) query.set('tag', tag);
  if (type) query.set('memory_type', type);
  const page = await guarded(() => api(`/memories?${query}`));
  if (!page) return;
  state.total = page.total;
  showResults(
    tag || type ? `Memories${tag ? ` tagged ${tag}` : ''}${type ? ` of type ${type}` : ''}` : 'Recent memories',
    page.memories.map((memory) => ({ memory })),
    tag || type ? 'No memories match these filters. "Show all" clears them.' : 'No memories yet. Store the first one above, or from any MCP client.',
  );
}

async function search(event) {
  event.preventDefault();
  const query = $('search-query').value.trim();
  if (!query) return loadMemories();
  const tags = tagList($('filter-tag').value);
  const mode = $('search-mode').value;
  const result = await guarded(() =>
    api('/search', { method: 'POST', body: { query, n_results: 20, ...(tags.length ? { tags } : {}), ...(mode ? { mode } : {}) } }),
  );
  if (!result) return;
  const type = $('filter-type').value.trim();
  state.mode = 'search';
  const hits = result.results.filter((r) => !type || r.memory.memory_type === type);
  const scored = result.search_type !== 'keyword';
  showResults(
    `Best matches for "${query}"`,
    hits.map((r) => ({ memory: r.memory, score: scored ? r.similarity_score : undefined, reason: r.relevance_reason })),
    `Nothing found for "${query}". Try other words, or "Meaning only" for a paraphrase.`,
  );
}

async function recall() {
  const phrase = $('recall-query').value.trim();
  if (!phrase) return;
  const semantic = $('search-query').value.trim();
  const result = await guarded(() =>
    api('/search/by-time', { method: 'POST', body: { query: phrase, n_results: 50, ...(semantic ? { semantic_query: semantic } : {}) } }),
  );
  if (!result) return;
  state.mode = 'recall';
  showResults(
    `Memories from ${phrase}`,
    result.results.map((r) => ({ memory: r.memory, score: semantic ? r.similarity_score : undefined })),
    `No memories from ${phrase}.`,
  );
}

async function store(event) {
  event.preventDefault();
  const content = $('store-content').value;
  if (!content.trim()) return;
  const type = $('store-type').value.trim();
  clearNotice();
  const result = await guarded(() =>
    api('/memories', { method: 'POST', body: { content, tags: tagList($('store-tags').value), ...(type ? { memory_type: type } : {}) } }),
  );
  if (!result) return;
  $('store-status').textContent = result.success ? 'Stored.' : 'Already stored (same content).';
  if (result.success) $('store-form').reset();
}

async function loadTags() {
  const result = await guarded(() => api('/tags'));
  if (!result) return;
  if (result.tags.length === 0) {
    $('tags').replaceChildren(h('li', { className: 'empty' }, 'No tags yet.'));
    return;
  }
  $('tags').replaceChildren(
    ...result.tags.map(({ tag, count }) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              $('filter-tag').value = tag;
              state.page = 1;
              loadMemories();
            },
          },
          tag,
          h('span', { className: 'count' }, String(count)),
        ),
      ),
    ),
  );
}

// ---- live updates ----

function setConnection(kind, text) {
  const element = $('connection');
  element.className = `connection ${kind}`;
  element.textContent = text;
}

function openEventStream() {
  state.events?.close();
  const query = new URLSearchParams({ ...(state.key ? { api_key: state.key } : {}), ...(state.space ? { space: state.space } : {}) });
  const url = `api/events/stream${query.size > 0 ? `?${query}` : ''}`;
  const events = new EventSource(url);
  state.events = events;
  events.onopen = () => setConnection('live', state.reconnects ? `Live (reconnected ${state.reconnects}×)` : 'Live');
  events.onerror = () => {
    state.reconnects += 1;
    setConnection(
      events.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting',
      events.readyState === EventSource.CLOSED ? 'Offline' : `Reconnecting… (${state.reconnects})`,
    );
  };
  events.onmessage = (e) => onServerEvent(JSON.parse(e.data));
}

/** Events carry a preview, not the memory: the card is drawn from the memory fetched by hash. */
async function fetchMemory(hash, space) {
  try {
    return await api(memoryPath({ content_hash: hash, space }), { ownSpace: true });
  } catch {
    return null; // deleted meanwhile, or the server went away: the next event or reload tells
  }
}

async function onServerEvent(event) {
  recordActivity(event);
  if (state.view === 'overview' && event.type !== 'heartbeat') scheduleOverviewRefresh();
  switch (event.type) {
    case 'memory_stored': {
      loadTags();
      bumpCount(1);
      const showsNewest = () => state.mode === 'list' && state.page === 1 && !$('filter-tag').value && !$('filter-type').value;
      const selector = cardSelector(event.content_hash, event.space);
      if (showsNewest() && !document.querySelector(selector)) {
        const memory = await fetchMemory(event.content_hash, event.space);
        if (!memory || !showsNewest() || document.querySelector(selector)) break;
        const card = memoryCard(memory);
        card.classList.add('fresh');
        $('results').querySelector('.empty')?.remove();
        $('results').prepend(card);
      }
      break;
    }
    case 'memory_updated': {
      loadTags();
      const selector = cardSelector(event.content_hash, event.space);
      if (!document.querySelector(selector)) break;
      const memory = await fetchMemory(event.content_hash, event.space);
      const card = document.querySelector(selector);
      if (memory && card && !card.querySelector('form')) card.replaceWith(memoryCard(memory));
      break;
    }
    case 'memory_deleted':
      removeCard(event.content_hash, event.space);
      if (state.mode === 'list' && $('results').children.length === 0) loadMemories();
      bumpCount(-1);
      loadTags();
      break;
    case 'backup_completed':
      if (state.view === 'admin') loadAdmin();
      break;
    case 'backup_restored':
      showNotice(`The database was restored from ${event.backup_id}; showing the restored data.`, 'info');
      loadMemories();
      loadTags();
      if (state.view === 'admin') loadAdmin();
      break;
    case 'resync_required':
      loadMemories();
      loadTags();
      break;
  }
}

function bumpCount(delta) {
  state.total = Math.max(0, state.total + delta);
  if (state.mode === 'list') $('page-info').textContent = pageInfo();
}

// ---- live activity ----

function describeEvent(event) {
  const preview = (text) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);
  switch (event.type) {
    case 'memory_stored':
      return { kind: 'stored', text: `Stored: ${preview(event.content_preview ?? '')}` };
    case 'memory_updated':
      return { kind: 'updated', text: `Updated (tags: ${(event.tags ?? []).join(', ') || 'none'}): ${preview(event.content_preview ?? '')}` };
    case 'memory_deleted': {
      const shown = document.querySelector(`.memory[data-hash="${event.content_hash}"] p`)?.textContent;
      return { kind: 'deleted', text: shown ? `Deleted: ${preview(shown)}` : `Deleted memory ${event.content_hash.slice(0, 12)}…` };
    }
    case 'backup_completed':
      return { kind: 'backup', text: `Backup ${event.backup_id} completed (${plural(event.memories ?? 0, 'memory', 'memories')})` };
    case 'backup_restored':
      return { kind: 'backup', text: `Restored from ${event.backup_id}` };
    default:
      return null;
  }
}

function recordActivity(event) {
  const described = describeEvent(event);
  if (!described) return;
  state.activity.unshift({ ...described, at: event.timestamp ?? new Date().toISOString() });
  state.activity.length = Math.min(state.activity.length, ACTIVITY_LIMIT);
  renderActivity();
}

function renderActivity() {
  $('activity').replaceChildren(
    ...(state.activity.length > 0
      ? state.activity.map(({ kind, text, at }) =>
          h('li', { className: `activity-${kind}` }, h('time', { datetime: at }, new Date(at).toLocaleTimeString()), h('span', {}, text)),
        )
      : [h('li', { className: 'empty' }, 'Nothing yet. Stores, updates and deletions by any client appear here as they happen.')]),
  );
}

// ---- overview ----

function scheduleOverviewRefresh() {
  clearTimeout(state.overviewTimer);
  state.overviewTimer = setTimeout(loadOverview, 500);
}

async function loadOverview() {
  const offset = -new Date().getTimezoneOffset();
  const data = await guarded(() => api(`/stats/overview?days=${OVERVIEW_DAYS}&utc_offset_minutes=${offset}`));
  if (!data) return;
  const ms = (value) => (value === null ? '–' : `${value} ms`);
  const size = data.database_size.at(-1);
  const tiles = [
    ['Memories', data.total_memories.toLocaleString('en-US')],
    ['Tags', data.total_tags.toLocaleString('en-US')],
    ['Database', size ? formatBytes(size.bytes) : '–'],
    ['Store p50', ms(data.latency.store.p50_ms), `${plural(data.latency.store.count, 'store', 'stores')} since start; p95 ${ms(data.latency.store.p95_ms)}`],
    [
      'Search p50',
      ms(data.latency.search.p50_ms),
      `${plural(data.latency.search.count, 'search', 'searches')} since start; p95 ${ms(data.latency.search.p95_ms)}`,
    ],
  ];
  $('overview-tiles').replaceChildren(
    ...tiles.map(([name, value, detail]) =>
      h(
        'li',
        { className: 'tile', ...(detail ? { title: detail } : {}) },
        h('span', { className: 'tile-value' }, value),
        h('span', { className: 'tile-name' }, name),
      ),
    ),
  );
  drawPerDay(data.memories_per_day);
  drawTopTags(data.top_tags);
  drawSize(data.database_size);
}

/** Memories per day as bars (plain SVG, drawn here: no library, no CDN). */
function drawPerDay(days) {
  const total = days.reduce((sum, d) => sum + d.count, 0);
  $('per-day-title').textContent = `Memories stored per day (last ${days.length} days: ${plural(total, 'memory', 'memories')})`;
  if (total === 0) {
    $('per-day-chart').replaceChildren(h('p', { className: 'empty' }, `No memories stored in the last ${days.length} days.`));
    return;
  }
  const [W, H, TOP, BOTTOM] = [600, 190, 18, 22];
  const max = Math.max(...days.map((d) => d.count));
  const busiest = days.reduce((best, d) => (d.count > best.count ? d : best), days[0]);
  const step = W / days.length;
  const height = (count) => (count / max) * (H - TOP - BOTTOM);
  const bars = days.map((d, i) =>
    svg(
      'rect',
      {
        class: 'bar',
        x: i * step + 1,
        y: H - BOTTOM - height(d.count),
        width: Math.max(1, step - 2),
        height: height(d.count),
        'data-day': d.day,
        'data-count': d.count,
      },
      svg('title', {}, `${d.day}: ${plural(d.count, 'memory', 'memories')}`),
    ),
  );
  $('per-day-chart').replaceChildren(
    svg(
      'svg',
      {
        viewBox: `0 0 ${W} ${H}`,
        role: 'img',
        'aria-label': `${plural(total, 'memory', 'memories')} stored in the last ${days.length} days; most on ${busiest.day} (${busiest.count})`,
      },
      svg('line', { class: 'axis', x1: 0, x2: W, y1: H - BOTTOM, y2: H - BOTTOM }),
      svg('text', { x: 0, y: 12 }, `max ${max} a day`),
      ...bars,
      svg('text', { x: 0, y: H - 4 }, days[0].day),
      svg('text', { x: W, y: H - 4, 'text-anchor': 'end' }, days.at(-1).day),
    ),
  );
}

function drawTopTags(tags) {
  if (tags.length === 0) {
    $('top-tags').replaceChildren(h('li', { className: 'empty' }, 'No tags yet. Tag memories to see what they are about.'));
    return;
  }
  const max = tags[0].count;
  $('top-tags').replaceChildren(
    ...tags.map(({ tag, count }) => {
      const bar = h('span', { className: 'bar-fill' });
      bar.style.width = `${Math.max(2, (count / max) * 100)}%`;
      return h(
        'li',
        {},
        h('span', { className: 'bar-label' }, tag),
        h('span', { className: 'bar-track' }, bar),
        h('span', { className: 'count' }, String(count)),
      );
    }),
  );
}

/** Database size samples as a line (the server samples since it started; the last point is now). */
function drawSize(samples) {
  const now = samples.at(-1);
  if (samples.length < 2 || !now) {
    $('size-chart').replaceChildren(
      h('p', { className: 'empty' }, `${now ? formatBytes(now.bytes) : 'Unknown'} now; the history fills in while the server runs.`),
    );
    return;
  }
  const [W, H, TOP, BOTTOM] = [600, 160, 18, 22];
  const times = samples.map((s) => Date.parse(s.at));
  const [t0, t1] = [times[0], Math.max(times.at(-1), times[0] + 1)];
  const low = Math.min(...samples.map((s) => s.bytes));
  const high = Math.max(...samples.map((s) => s.bytes), low + 1);
  const point = (s, i) =>
    `${(((times[i] - t0) / (t1 - t0)) * W).toFixed(1)},${(H - BOTTOM - ((s.bytes - low) / (high - low)) * (H - TOP - BOTTOM)).toFixed(1)}`;
  $('size-chart').replaceChildren(
    svg(
      'svg',
      {
        viewBox: `0 0 ${W} ${H}`,
        role: 'img',
        'aria-label': `Database size from ${formatBytes(samples[0].bytes)} to ${formatBytes(now.bytes)} since ${new Date(t0).toLocaleString()}`,
      },
      svg('line', { class: 'axis', x1: 0, x2: W, y1: H - BOTTOM, y2: H - BOTTOM }),
      svg('polyline', { class: 'line', points: samples.map(point).join(' ') }),
      svg('text', { x: 0, y: 12 }, formatBytes(high)),
      svg('text', { x: 0, y: H - 4 }, new Date(t0).toLocaleString()),
      svg('text', { x: W, y: H - 4, 'text-anchor': 'end' }, `now: ${formatBytes(now.bytes)}`),
    ),
  );
}

// ---- admin ----

function formatBytes(bytes) {
  return bytes > 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

async function loadHealth() {
  const health = await guarded(() => api('/health/detailed'));
  if (!health) return;
  const facts = [
    ['Status', health.status],
    ['Memories', String(health.statistics.total_memories)],
    ['Tags', String(health.statistics.total_tags)],
    [
      'Database size',
      health.wal_size_bytes > 0
        ? `${formatBytes(health.database_size_bytes + health.wal_size_bytes)} (file ${formatBytes(health.database_size_bytes)}, write-ahead log ${formatBytes(health.wal_size_bytes)})`
        : formatBytes(health.database_size_bytes),
    ],
    ['Model', `${health.embedding_model} (${health.embedding_dimension}-d)`],
    ['Uptime', `${Math.round(health.uptime_seconds)} s`],
    ['Version', health.version],
  ];
  $('health').replaceChildren(...facts.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]));
}

async function loadAdmin() {
  await loadHealth();
  const [list, status] = await Promise.all([guarded(() => api('/admin/backups')), guarded(() => api('/admin/backups/status'))]);
  if (status) {
    $('backup-schedule').textContent = status.schedule
      ? `Scheduled: ${status.schedule}, next run ${new Date(status.next_run).toLocaleString()}, keeping ${status.retention}.`
      : 'Scheduled backups are off (set MCP_BACKUP_SCHEDULE).';
    if (status.last_failure) $('backup-schedule').textContent += ` Last failure: ${status.last_failure.error}`;
  }
  if (!list) return;
  if (list.backups.length === 0) {
    $('backups')
      .querySelector('tbody')
      .replaceChildren(h('tr', {}, h('td', { colspan: '6', className: 'empty' }, 'No backups yet. "Back up now" makes the first one.')));
    return;
  }
  $('backups')
    .querySelector('tbody')
    .replaceChildren(
      ...list.backups.map((b) =>
        h(
          'tr',
          { 'data-backup': b.backup_id },
          h('td', { 'data-label': 'Backup' }, b.backup_id),
          h('td', { 'data-label': 'Created' }, new Date(b.created_at).toLocaleString()),
          h('td', { 'data-label': 'Memories' }, String(b.memories)),
          h('td', { 'data-label': 'Size' }, formatBytes(b.size_bytes)),
          h('td', { 'data-label': 'Verified' }, b.verified ? 'yes' : 'no'),
          h(
            'td',
            { className: 'row-actions' },
            h('button', { type: 'button', className: 'danger', 'aria-label': `Restore ${b.backup_id}`, onclick: () => restore(b.backup_id) }, 'Restore'),
          ),
        ),
      ),
    );
}

async function backupNow() {
  $('backup-status').textContent = 'Backing up…';
  const result = await guarded(() => api('/admin/backup', { method: 'POST' }));
  $('backup-status').textContent = result ? `Created ${result.backup_id} (${plural(result.memories, 'memory', 'memories')}, verified).` : '';
  await loadAdmin();
}

async function restore(backupId) {
  if (!window.confirm(`Restore ${backupId}? Memories stored after it will be replaced (a safety backup is taken first).`)) return;
  $('backup-status').textContent = `Restoring ${backupId}…`;
  const result = await guarded(() => api('/admin/restore', { method: 'POST', body: { backup_id: backupId } }));
  $('backup-status').textContent = result ? `Restored ${backupId}; safety backup ${result.safety_backup_id}.` : '';
  await loadAdmin();
}

// ---- navigation ----

function show(view) {
  state.view = view;
  for (const name of VIEWS) {
    $(`${name}-view`).hidden = name !== view;
    if (name === view) $(`nav-${name}`).setAttribute('aria-current', 'page');
    else $(`nav-${name}`).removeAttribute('aria-current');
  }
  // Notices and status lines belong to the moment and view they were shown in.
  clearNotice();
  $('store-status').textContent = '';
  $('backup-status').textContent = '';
  documents.clear();
  if (view === 'admin') loadAdmin();
  if (view === 'documents') documents.load();
  if (view === 'overview') loadOverview();
  $('main').focus();
}

let documents;

document.addEventListener('DOMContentLoaded', () => {
  documents = documentsView({ api, guarded, h, $, plural, confirm: (message) => window.confirm(message) });
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    connect($('key-input').value.trim());
  });
  $('change-key').addEventListener('click', () => askForKey());
  $('store-form').addEventListener('submit', store);
  $('search-form').addEventListener('submit', search);
  $('recall-button').addEventListener('click', recall);
  $('clear-button').addEventListener('click', () => {
    $('search-query').value = '';
    $('recall-query').value = '';
    $('filter-tag').value = '';
    $('filter-type').value = '';
    state.page = 1;
    loadMemories();
  });
  $('prev-page').addEventListener('click', () => {
    state.page -= 1;
    loadMemories();
  });
  $('next-page').addEventListener('click', () => {
    state.page += 1;
    loadMemories();
  });
  $('nav-memories').addEventListener('click', () => show('memories'));
  $('nav-admin').addEventListener('click', () => show('admin'));
  $('nav-overview').addEventListener('click', () => show('overview'));
  $('nav-documents').addEventListener('click', () => show('documents'));
  // A status line answers the last action only: typing something new clears it.
  $('store-content').addEventListener('input', () => ($('store-status').textContent = ''));
  $('backup-now').addEventListener('click', backupNow);
  $('space-picker').addEventListener('change', (event) => chooseSpace(event.target.value));
  // A stored key (or an open server) connects at once; otherwise connect() asks, saying why.
  connect(state.key ?? '');
});
