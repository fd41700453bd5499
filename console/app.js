// The Voxfra console: a view of the Management API (README "Console"), and
// endpoint management for a token that may write. No build step, no
// dependencies; every value from the API is put on the page as text, never
// as HTML.
'use strict';

const API = new URL(document.querySelector('meta[name="voxfra-api"]').content, document.baseURI);
const TOKEN_KEY = 'voxfraToken';
const $ = (id) => document.getElementById(id);

const state = { org: null, client: null, callsCursor: null, mayWrite: false };

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.details = (body && body.details) || [];
  }
}

// A change: `body` is sent as JSON.
async function api(path, params = {}, method = 'GET', payload = undefined) {
  const url = new URL(path, API);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') url.searchParams.set(k, v);
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` };
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) });
  let body = null;
  try { body = await res.json(); } catch (_) { /* not JSON: reported by status */ }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function badge(text) { return el('span', text, `badge ${String(text).replace(/[^a-z-]/g, '')}`); }

function when(t) { return t ? new Date(t).toLocaleString() : '–'; }

function duration(seconds) {
  if (seconds === undefined || seconds === null) return '–';
  const s = Math.round(seconds), m = Math.floor(s / 60);
  return m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    if (c instanceof Node) td.append(c); else td.textContent = c;
    tr.append(td);
  }
  return tr;
}

function showError(e) {
  if (e instanceof ApiError && e.status === 401) { signOut('The token was refused (revoked or unknown).'); return; }
  $('error').textContent = e.message;
}

// ---------------------------------------------------------------------------

async function loadOrgs() {
  const { items } = await api('v1/orgs');
  const list = $('org-list');
  list.replaceChildren();
  for (const org of items) {
    const li = el('li');
    const a = el('a', org.org);
    a.dataset.org = org.org;
    a.addEventListener('click', () => select(org.org, null));
    const clients = el('ul');
    for (const c of org.clients) {
      const ci = el('li');
      const ca = el('a', c.client);
      ca.dataset.org = org.org;
      ca.dataset.client = c.client;
      ca.append(' ', el('span', `(${c.endpoints})`, 'count'));
      ca.addEventListener('click', () => select(org.org, c.client));
      ci.append(ca);
      clients.append(ci);
    }
    li.append(a, clients);
    list.append(li);
  }
  if (items.length === 0) list.append(el('li', 'No organizations yet.', 'muted'));
  return items;
}

function markSelected() {
  for (const a of document.querySelectorAll('#org-list a')) {
    a.classList.toggle('selected', a.dataset.org === state.org && (a.dataset.client || null) === state.client);
  }
  const scope = state.org ? (state.client ? `${state.org} / ${state.client}` : state.org) : 'all organizations';
  $('endpoints-scope').textContent = `· ${scope}`;
  $('calls-scope').textContent = `· ${scope}`;
}

async function loadEndpoints() {
  const body = $('endpoints').tBodies[0];
  body.replaceChildren();
  const { items } = await api('v1/endpoints', { org: state.org, client: state.client, limit: 200 });
  for (const e of items) {
    const cells = [e.id, e.client, e.provider, badge(e.status), String(e.requests), when(e.lastUsedAt),
                   badge(e.hmac ? 'on' : 'off'), `${e.slugPrefix}…`];
    if (state.mayWrite) cells.push(actions(e));
    const tr = row(cells);
    tr.dataset.id = e.id;
    body.append(tr);
  }
  $('endpoints-empty').hidden = items.length > 0;
}

// ---------------------------------------------------------------------------
// Managing endpoints (tokens of role write or admin)

function manageError(e) {
  if (e instanceof ApiError && e.status === 401) { showError(e); return; }
  const details = e.details && e.details.length ? `: ${e.details.map((d) => `${d.field} ${d.problem}`).join('; ')}` : '';
  $('manage-error').textContent = `${e.message}${details}`;
}

// The URL and secret of a new endpoint or secret, shown this once.
function showIssued(title, answer) {
  $('issued').hidden = false;
  $('issued-title').textContent = title;
  $('issued-url').value = answer.path ? new URL(answer.path, document.baseURI).href : '(unchanged)';
  $('issued-secret-row').hidden = !answer.secret;
  $('issued-secret').value = answer.secret || '';
}

async function copyField(id) {
  const field = $(id);
  field.select();
  try { await navigator.clipboard.writeText(field.value); } catch (_) { document.execCommand('copy'); }
}

async function change(path, method, body, after) {
  $('manage-error').textContent = '';
  try {
    const answer = await api(path, {}, method, body);
    if (after) after(answer);
    await Promise.all([loadEndpoints(), loadOrgs().then(markSelected)]);
  } catch (e) { manageError(e); }
}

function button(text, onClick, className) {
  const b = el('button', text, className);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

function actions(e) {
  const span = el('span', null, 'actions');
  if (e.status === 'revoked') return span;
  const base = `v1/endpoints/${encodeURIComponent(e.id)}`;
  const name = `${e.id} (${e.org} / ${e.client}, ${e.provider})`;
  if (e.status === 'active') span.append(button('Disable', () => change(`${base}/disable`, 'POST')));
  else span.append(button('Enable', () => change(`${base}/enable`, 'POST')));
  span.append(button('Revoke and replace', () => {
    if (!window.confirm(`Revoke endpoint ${name} and issue a new URL? The old URL stops working at once.`)) return;
    change(`${base}/replace`, 'POST', undefined, (a) => showIssued(`New URL for ${a.endpoint.id}, replacing ${e.id}`, a));
  }, 'danger'));
  if (e.hmac) {
    span.append(button('Rotate secret', () => {
      const hours = window.prompt(`Hours the current secret of ${e.id} stays valid:`, '24');
      if (hours === null) return;
      change(`${base}/rotate-secret`, 'POST', { graceSeconds: Math.round(Number(hours) * 3600) },
             (a) => showIssued(`New secret for ${e.id}`, a));
    }));
  }
  span.append(button('Allowlist', () => {
    const text = window.prompt(`Allowed addresses for ${e.id} (CIDRs, comma-separated; empty: any):`, e.allow.join(', '));
    if (text === null) return;
    const allow = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    change(base, 'PATCH', { allow });
  }));
  return span;
}

function createEndpoint(ev) {
  ev.preventDefault();
  $('manage-error').textContent = '';
  if (!state.org) { $('manage-error').textContent = 'Choose an organization on the left first.'; return; }
  const allow = $('new-allow').value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const body = { org: state.org, client: $('new-client').value.trim(), provider: $('new-provider').value,
                 hmac: $('new-hmac').checked, allow };
  change('v1/endpoints', 'POST', body, (a) => showIssued(`New endpoint ${a.endpoint.id} (${a.endpoint.client}, ${a.endpoint.provider})`, a));
}

async function loadCalls(more = false) {
  const body = $('calls').tBodies[0];
  if (!more) { body.replaceChildren(); state.callsCursor = null; }
  const page = await api('v1/calls', { org: state.org, client: state.client, limit: 25, cursor: more ? state.callsCursor : null });
  for (const c of page.items) {
    const tr = row([when(c.receivedAt), c.client, c.provider, c.callId, c.outcome ? badge(c.outcome) : '–',
                    duration(c.durationSeconds), String(c.revisions ? c.revisions.length : 1)]);
    tr.dataset.id = c.id;
    tr.addEventListener('click', () => showCall(c.id, tr));
    body.append(tr);
  }
  state.callsCursor = page.nextCursor || null;
  $('more-calls').hidden = !state.callsCursor;
  $('calls-empty').hidden = body.rows.length > 0;
}

async function showCall(id, tr) {
  for (const r of $('calls').tBodies[0].rows) r.classList.toggle('selected', r === tr);
  const { call } = await api(`v1/calls/${encodeURIComponent(id)}`);
  $('call').hidden = false;
  $('call-title').textContent = `· ${call.callId}`;
  const facts = $('call-facts');
  facts.replaceChildren();
  const fact = (k, v) => { if (v !== undefined && v !== null && v !== '') facts.append(el('dt', k), el('dd', v)); };
  fact('Record', call.id);
  fact('Organization', `${call.org} / ${call.client}`);
  fact('Provider', call.provider);
  fact('Event', call.event);
  fact('Status', call.status);
  fact('Outcome', call.outcome);
  fact('Ended reason', call.endedReason);
  fact('Started', when(call.startedAt));
  fact('Duration', duration(call.durationSeconds));
  fact('From', call.fromNumber);
  fact('To', call.toNumber);
  fact('Sentiment', call.sentiment);
  fact('Recording', call.recordingUrl);
  fact('Revisions', call.revisions ? call.revisions.join(', ') : null);
  $('call-summary').textContent = call.summary || '–';
  const turns = $('call-turns');
  turns.replaceChildren();
  for (const t of call.turns || []) {
    const li = el('li', null, t.role);
    li.append(el('span', t.role, 'who'), document.createTextNode(t.text));
    turns.append(li);
  }
  const transcript = $('call-transcript');
  transcript.hidden = (call.turns && call.turns.length > 0) || !call.transcript;
  transcript.textContent = call.transcript || '';
  if (!call.turns && !call.transcript) turns.append(el('li', 'No transcript.', 'muted'));
  $('call').scrollIntoView({ block: 'nearest' });
}

async function select(org, client) {
  state.org = org;
  state.client = client;
  markSelected();
  $('call').hidden = true;
  $('error').textContent = '';
  try {
    await Promise.all([loadEndpoints(), loadCalls()]);
  } catch (e) { showError(e); }
}

// ---------------------------------------------------------------------------

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  $('app').hidden = true;
  $('logout').hidden = true;
  $('scope').textContent = '';
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('token').value = '';
  $('token').focus();
}

async function start() {
  $('login').hidden = true;
  $('error').textContent = '';
  $('issued').hidden = true;
  try {
    const me = await api('v1/token');
    state.mayWrite = me.mayWrite === true;
    $('new-endpoint').hidden = !state.mayWrite;
    for (const th of document.querySelectorAll('.write-only')) th.hidden = !state.mayWrite;
    const orgs = await loadOrgs();
    $('app').hidden = false;
    $('logout').hidden = false;
    $('scope').textContent = orgs.length === 1 ? `signed in · ${orgs[0].org}` : 'signed in';
    await select(orgs.length === 1 ? orgs[0].org : null, null);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) signOut('The token was refused.');
    else { $('login').hidden = false; $('login-error').textContent = e.message; }
  }
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  start();
});
$('logout').addEventListener('click', () => signOut());
$('more-calls').addEventListener('click', () => loadCalls(true).catch(showError));
$('new-endpoint').addEventListener('submit', createEndpoint);
$('copy-url').addEventListener('click', () => copyField('issued-url'));
$('copy-secret').addEventListener('click', () => copyField('issued-secret'));

if (sessionStorage.getItem(TOKEN_KEY)) start(); else signOut();
