// The OAuth consent step: the operator enters an admin key (kept in this tab, like the dashboard's),
// looks at the pending authorization and approves or denies it; the browser then goes back to the
// client with the code (or the refusal). All text from the server is inserted with textContent.
const KEY_STORAGE = 'mcp-memory-api-key';
const SCOPE_HELP = { read: 'list, get and search memories', write: 'store, update and delete memories', admin: 'administration tools' };

const $ = (id) => document.getElementById(id);
const requestId = new URLSearchParams(location.search).get('request') ?? '';
let key = sessionStorage.getItem(KEY_STORAGE) ?? '';

function say(text) {
  $('message').textContent = text;
  $('message').hidden = false;
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail ?? `HTTP ${response.status}`);
  return data;
}

function show(request) {
  $('client-name').textContent = request.client_name ?? '(no name given)';
  $('client-id').textContent = request.client_id;
  $('redirect-uri').textContent = request.redirect_uri;
  $('resource').textContent = request.resource;
  $('expires').textContent = new Date(request.expires_at).toLocaleString();
  const box = $('scopes');
  box.querySelectorAll('label').forEach((label) => label.remove());
  for (const scope of request.scopes) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.name = 'scope';
    input.value = scope;
    input.checked = true;
    label.append(input, ` ${scope}: ${SCOPE_HELP[scope] ?? ''}`);
    box.append(label);
  }
  $('key-form').hidden = true;
  $('request').hidden = false;
}

async function load() {
  if (requestId === '') return say('This page needs ?request= from an authorization request.');
  if (key === '') return;
  try {
    show(await call('GET', `api/oauth/authorizations/${encodeURIComponent(requestId)}`));
    $('message').hidden = true;
  } catch (error) {
    say(error.message);
  }
}

const spaceList = (id) =>
  $(id)
    .value.split(',')
    .map((space) => space.trim())
    .filter((space) => space !== '');

async function decide(decision) {
  const scopes = [...document.querySelectorAll('input[name=scope]:checked')].map((input) => input.value);
  const spaces = { write: spaceList('write-spaces'), read: spaceList('read-spaces') };
  if (decision === 'approve' && scopes.length === 0) return say('Choose at least one scope, or deny.');
  $('approve').disabled = $('deny').disabled = true;
  try {
    const path = `api/oauth/authorizations/${encodeURIComponent(requestId)}/${decision}`;
    const { redirect_to: target } = await call('POST', path, decision === 'approve' ? { scopes, spaces } : {});
    say(decision === 'approve' ? 'Approved; returning to the client...' : 'Denied; returning to the client...');
    location.assign(target);
  } catch (error) {
    $('approve').disabled = $('deny').disabled = false;
    say(error.message);
  }
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  key = $('key-input').value.trim();
  sessionStorage.setItem(KEY_STORAGE, key);
  void load();
});
$('approve').addEventListener('click', () => void decide('approve'));
$('deny').addEventListener('click', () => void decide('deny'));
void load();
