// The dashboard's documents view: upload files (upstream's multipart routes, read by the server in
// the background), follow each upload until it is read, list what uploads became (their passages)
// and delete an upload with its passages. Server text goes in with textContent only.
const POLL_MS = 500;
const FINISHED = new Set(['completed', 'failed']);

/** `deps`: the page's helpers (api, guarded, h, $, plural, confirm). */
export function documentsView({ api, guarded, h, $, plural, confirm }) {
  const status = (text) => ($('upload-status').textContent = text);

  function describe(upload) {
    const passages = plural(upload.chunks_stored, 'passage', 'passages');
    if (upload.status === 'failed') return `${upload.filename}: failed (${upload.errors.join('; ') || 'no reason given'})`;
    if (upload.status === 'completed')
      return `${upload.filename}: ${passages} stored${upload.errors.length > 0 ? ` (not read: ${upload.errors.join('; ')})` : ''}`;
    return `${upload.filename}: ${upload.status}… ${Math.round(upload.progress)}%`;
  }

  async function follow(uploadId) {
    for (;;) {
      const upload = await guarded(() => api(`/documents/status/${encodeURIComponent(uploadId)}`));
      if (!upload) return;
      status(describe(upload));
      if (FINISHED.has(upload.status)) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async function upload(event) {
    event.preventDefault();
    const files = [...$('upload-files').files];
    if (files.length === 0) return status('Choose one or more files first.');
    const form = new FormData();
    const tags = $('upload-tags').value.trim();
    if (tags) form.append('tags', tags);
    const size = $('upload-chunk-size').value.trim();
    if (size) form.append('chunk_size', size);
    for (const file of files) form.append(files.length === 1 ? 'file' : 'files', file, file.name);
    status(`Uploading ${plural(files.length, 'file', 'files')}…`);
    const queued = await guarded(() => api(files.length === 1 ? '/documents/upload' : '/documents/batch-upload', { method: 'POST', form }));
    if (!queued) return status('');
    await follow(queued.upload_id);
    $('upload-form').reset();
    await load();
  }

  async function showPassages(row, upload) {
    const existing = row.nextElementSibling;
    if (existing?.classList.contains('passages-row')) return existing.remove();
    const content = await guarded(() => api(`/documents/search-content/${encodeURIComponent(upload.upload_id)}?limit=200`));
    if (!content) return;
    const items = content.memories.map((passage) =>
      h(
        'li',
        {},
        h('span', { className: 'meta' }, `#${passage.chunk_index + 1}${passage.page === null ? '' : `, page ${passage.page}`}`),
        ' ',
        passage.content.length > 300 ? `${passage.content.slice(0, 300)}…` : passage.content,
      ),
    );
    row.after(
      h(
        'tr',
        { className: 'passages-row' },
        h('td', { colspan: '5' }, h('ol', { className: 'passages', 'aria-label': `Passages of ${upload.filename}` }, ...items)),
      ),
    );
  }

  async function remove(upload) {
    if (!confirm(`Delete ${upload.filename} and its ${plural(upload.chunks_stored, 'passage', 'passages')}?`)) return;
    const removed = await guarded(() => api(`/documents/remove/${encodeURIComponent(upload.upload_id)}`, { method: 'DELETE' }));
    if (removed) status(`${removed.filename}: ${plural(removed.memories_deleted, 'passage', 'passages')} deleted.`);
    await load();
  }

  async function load() {
    const history = await guarded(() => api('/documents/history'));
    if (!history) return;
    const body = $('uploads').querySelector('tbody');
    if (history.uploads.length === 0) {
      body.replaceChildren(h('tr', {}, h('td', { colspan: '5', className: 'empty' }, 'No documents yet. Upload a text, Markdown, JSON or PDF file above.')));
      return;
    }
    body.replaceChildren(
      ...history.uploads.map((upload) => {
        const row = h(
          'tr',
          { 'data-upload': upload.upload_id },
          h('td', { 'data-label': 'Document' }, upload.filename),
          h('td', { 'data-label': 'Uploaded' }, new Date(upload.created_at).toLocaleString()),
          h('td', { 'data-label': 'Status' }, upload.status),
          h('td', { 'data-label': 'Passages' }, String(upload.chunks_stored)),
          h(
            'td',
            { className: 'row-actions' },
            h(
              'button',
              { type: 'button', className: 'secondary', 'aria-label': `Passages of ${upload.filename}`, onclick: () => showPassages(row, upload) },
              'Passages',
            ),
            h('button', { type: 'button', className: 'danger', 'aria-label': `Delete ${upload.filename}`, onclick: () => remove(upload) }, 'Delete'),
          ),
        );
        return row;
      }),
    );
  }

  $('upload-form').addEventListener('submit', upload);
  return { load, clear: () => status('') };
}
