// The dashboard: plain DOM, no framework, no CDN. All text from the server is inserted with
// textContent (memories may contain markup). The key lives in sessionStorage for this tab only.
const KEY_STORAGE = 'mcp-memory-api-key';
const PAGE_SIZE = 20;

const $ = (id) => document.getElementById(id);
const state = {
  key: sessionStorage.getItem(KEY_STORAGE),
  page: 1,
  total: 0,
  /** 'list' | 'search' | 'recall' */
  mode: 'list',
  events: null,
  reconnects: 0,
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

function showNotice(message, kind = 'error') {
  const notice = $('notice');
  notice.textContent = message;
  notice.className = `notice ${kind === 'info' ? 'info' : ''}`;
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
  const headers = { ...(options.body ? { 'content-type': 'application/json' } : {}) };
  if (state.key) headers.authorization = `Bearer ${state.key}`;
  let response;
  try {
    response = await fetch(`/api${path}`, { method: options.method ?? 'GET', headers, body: options.body ? JSON.stringify(options.body) : undefined });
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
  await Promise.all([loadMemories(), loadTags(), loadHealth()]);
  return true;
}

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
    { className: 'memory', 'data-hash': memory.content_hash },
    h('p', {}, memory.content),
    h(
      'div',
      { className: 'meta' },
      score !== undefined ? h('span', { className: 'score', title: reason ? `similarity; ${reason}` : 'similarity' }, `${Math.round(score * 100)}%`) : null,
      reason ? h('span', { className: 'reason' }, reason) : null,
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
  );
  card.append(actions);
  return card;
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
      api(`/memories/${memory.content_hash}`, {
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
  const deleted = await guarded(() => api(`/memories/${memory.content_hash}`, { method: 'DELETE' }));
  if (deleted) removeCard(memory.content_hash);
}

function removeCard(hash) {
  document.querySelector(`.memory[data-hash="${hash}"]`)?.remove();
}

function showResults(title, items) {
  $('results-title').textContent = title;
  $('results').replaceChildren(...items.map(({ memory, score, reason }) => memoryCard(memory, score, reason)));
  const pages = Math.max(1, Math.ceil(state.total / PAGE_SIZE));
  const paged = state.mode === 'list';
  $('page-info').textContent = paged ? `Page ${state.page} of ${pages} (${state.total} memories)` : `${items.length} found`;
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
  );
}

async function store(event) {
  event.preventDefault();
  const content = $('store-content').value;
  if (!content.trim()) return;
  const type = $('store-type').value.trim();
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
  const url = `/api/events/stream${state.key ? `?api_key=${encodeURIComponent(state.key)}` : ''}`;
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
async function fetchMemory(hash) {
  try {
    return await api(`/memories/${hash}`);
  } catch {
    return null; // deleted meanwhile, or the server went away: the next event or reload tells
  }
}

async function onServerEvent(event) {
  switch (event.type) {
    case 'memory_stored': {
      loadTags();
      bumpCount(1);
      const showsNewest = () => state.mode === 'list' && state.page === 1 && !$('filter-tag').value && !$('filter-type').value;
      if (showsNewest() && !document.querySelector(`.memory[data-hash="${event.content_hash}"]`)) {
        const memory = await fetchMemory(event.content_hash);
        if (!memory || !showsNewest() || document.querySelector(`.memory[data-hash="${event.content_hash}"]`)) break;
        const card = memoryCard(memory);
        card.classList.add('fresh');
        $('results').prepend(card);
      }
      break;
    }
    case 'memory_updated': {
      loadTags();
      if (!document.querySelector(`.memory[data-hash="${event.content_hash}"]`)) break;
      const memory = await fetchMemory(event.content_hash);
      const card = document.querySelector(`.memory[data-hash="${event.content_hash}"]`);
      if (memory && card && !card.querySelector('form')) card.replaceWith(memoryCard(memory));
      break;
    }
    case 'memory_deleted':
      removeCard(event.content_hash);
      bumpCount(-1);
      loadTags();
      break;
    case 'backup_completed':
      if (!$('admin-view').hidden) loadAdmin();
      break;
    case 'backup_restored':
      showNotice(`The database was restored from ${event.backup_id}; showing the restored data.`, 'info');
      loadMemories();
      loadTags();
      if (!$('admin-view').hidden) loadAdmin();
      break;
    case 'resync_required':
      loadMemories();
      loadTags();
      break;
  }
}

function bumpCount(delta) {
  state.total = Math.max(0, state.total + delta);
  if (state.mode === 'list') $('page-info').textContent = `Page ${state.page} of ${Math.max(1, Math.ceil(state.total / PAGE_SIZE))} (${state.total} memories)`;
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
    ['Database size', formatBytes(health.database_size_bytes)],
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
  $('backups')
    .querySelector('tbody')
    .replaceChildren(
      ...list.backups.map((b) =>
        h(
          'tr',
          { 'data-backup': b.backup_id },
          h('td', {}, b.backup_id),
          h('td', {}, new Date(b.created_at).toLocaleString()),
          h('td', {}, String(b.memories)),
          h('td', {}, formatBytes(b.size_bytes)),
          h('td', {}, b.verified ? 'yes' : 'no'),
          h(
            'td',
            {},
            h('button', { type: 'button', className: 'danger', 'aria-label': `Restore ${b.backup_id}`, onclick: () => restore(b.backup_id) }, 'Restore'),
          ),
        ),
      ),
    );
}

async function backupNow() {
  $('backup-status').textContent = 'Backing up…';
  const result = await guarded(() => api('/admin/backup', { method: 'POST' }));
  $('backup-status').textContent = result ? `Created ${result.backup_id} (${result.memories} memories, verified).` : '';
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
  const admin = view === 'admin';
  $('memories-view').hidden = admin;
  $('admin-view').hidden = !admin;
  $('nav-memories').toggleAttribute('aria-current', !admin);
  $('nav-admin').toggleAttribute('aria-current', admin);
  if (admin) $('nav-admin').setAttribute('aria-current', 'page');
  else $('nav-memories').setAttribute('aria-current', 'page');
  if (admin) loadAdmin();
  $('main').focus();
}

document.addEventListener('DOMContentLoaded', () => {
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
  $('backup-now').addEventListener('click', backupNow);
  // A stored key (or an open server) connects at once; otherwise connect() asks, saying why.
  connect(state.key ?? '');
});
