// The API docs page: renders /api/openapi.json (operations by tag, parameters,
// request and response schemas) and sends requests from the page ("try it").
// Plain DOM code, no dependencies: the server ships it inside its binary.

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c != null) node.append(c);
  return node;
};

let doc;
let token = '';

/** `#/components/schemas/X` → the schema. */
function resolve(schema) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 20; i++) s = s.$ref.split('/').slice(1).reduce((o, k) => o?.[k], doc);
  return s || {};
}

/** An example value built from a schema (what the request body textarea starts with). */
function example(schema, depth = 0) {
  const s = resolve(schema);
  if (depth > 6) return null;
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  if (s.oneOf || s.anyOf) return example((s.oneOf || s.anyOf)[0], depth + 1);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((p) => example(p, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out = {};
      for (const [k, v] of Object.entries(s.properties || {})) {
        if ((s.required || []).includes(k)) out[k] = example(v, depth + 1);
      }
      return out;
    }
    case 'array': return [];
    case 'string': return s.format === 'binary' ? '' : 'string';
    case 'integer': return s.minimum ?? 0;
    case 'number': return s.minimum ?? 0;
    case 'boolean': return false;
    default: return null;
  }
}

/** A schema as indented text: `name: type — description`. */
function describe(schema, indent = '', seen = new Set()) {
  const ref = schema?.$ref;
  const s = resolve(schema);
  if (ref && seen.has(ref)) return `${indent}${ref.split('/').pop()} (see above)\n`;
  if (ref) seen = new Set([...seen, ref]);
  const variants = s.oneOf || s.anyOf;
  if (variants) return variants.map((v) => `${indent}one of:\n${describe(v, indent + '  ', seen)}`).join('');
  const type = [].concat(s.type || (s.properties ? 'object' : 'any')).join(' | ');
  if (s.properties) {
    let out = '';
    for (const [k, v] of Object.entries(s.properties)) {
      const r = resolve(v);
      const t = [].concat(r.type || (r.properties ? 'object' : v.$ref ? v.$ref.split('/').pop() : 'any')).join(' | ');
      const req = (s.required || []).includes(k) ? '' : '?';
      out += `${indent}${k}${req}: ${r.enum ? r.enum.join(' | ') : t}${r.description ? ` — ${r.description.split('\n')[0]}` : ''}\n`;
      if (r.properties || (r.items && resolve(r.items).properties)) out += describe(r.properties ? v : r.items, indent + '  ', seen);
    }
    return out;
  }
  if (s.items) return `${indent}array of:\n${describe(s.items, indent + '  ', seen)}`;
  return `${indent}${type}${s.format ? ` (${s.format})` : ''}\n`;
}

function operation(path, method, op) {
  const params = op.parameters || [];
  const inputs = new Map();
  const rows = params.map((p) => {
    const input = el('input', { 'aria-label': p.name, placeholder: p.schema ? [].concat(resolve(p.schema).type || '').join('|') : '' });
    inputs.set(p, input);
    return el('tr', {}, el('td', {}, el('code', {}, p.name), p.required ? ' *' : ''), el('td', {}, p.in),
      el('td', {}, p.description || ''), el('td', {}, input));
  });
  const content = op.requestBody?.content || {};
  const jsonBody = content['application/json'];
  const fileBody = content['multipart/form-data'];
  const textarea = jsonBody ? el('textarea', { 'aria-label': 'Request body (JSON)', spellcheck: 'false' }) : null;
  if (textarea) textarea.value = JSON.stringify(example(jsonBody.schema), null, 2);
  const file = fileBody ? el('input', { type: 'file', 'aria-label': 'File to upload', accept: 'image/*' }) : null;
  const result = el('div', { 'aria-live': 'polite' });

  async function send() {
    let url = path;
    const query = new URLSearchParams();
    const headers = {};
    for (const [p, input] of inputs) {
      const v = input.value.trim();
      if (!v) continue;
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(v));
      else if (p.in === 'query') query.set(p.name, v);
      else if (p.in === 'header') headers[p.name] = v;
    }
    if (query.size) url += `?${query}`;
    if (token) headers.Authorization = `Bearer ${token}`;
    let body;
    if (file?.files?.length) {
      body = new FormData();
      body.append('file', file.files[0]);
    } else if (textarea && textarea.value.trim()) {
      headers['Content-Type'] = 'application/json';
      body = textarea.value;
    }
    result.replaceChildren(el('p', {}, 'Sending…'));
    try {
      const res = await fetch(url, { method: method.toUpperCase(), headers, body, credentials: 'same-origin' });
      const type = res.headers.get('content-type') || '';
      let shown;
      if (type.startsWith('image/')) {
        shown = el('img', { src: URL.createObjectURL(await res.blob()), alt: 'Response image', class: 'response-img' });
      } else if (type.includes('json')) {
        shown = el('pre', {}, JSON.stringify(await res.json(), null, 2));
      } else {
        shown = el('pre', {}, (await res.text()).slice(0, 20000));
      }
      result.replaceChildren(
        el('p', {}, el('span', { class: res.ok ? 'status-ok' : 'status-err' }, `${res.status} ${res.statusText}`), ` ${type}`),
        shown,
      );
    } catch (e) {
      result.replaceChildren(el('p', { class: 'status-err' }, String(e)));
    }
  }

  const responses = Object.entries(op.responses || {}).map(([status, r]) => {
    const resp = resolve(r);
    const media = Object.entries(resp.content || {});
    return el('tr', {}, el('td', {}, el('code', {}, status)), el('td', {}, resp.description || ''),
      el('td', {}, media.map(([type, m]) => el('div', {}, el('code', {}, type), m.schema ? el('pre', {}, describe(m.schema)) : null))));
  });
  const secured = (op.security || []).some((s) => Object.keys(s).length) && !(op.security || []).some((s) => !Object.keys(s).length);
  return el('details', { class: 'op', 'data-search': `${method} ${path} ${op.summary || ''} ${op.operationId}`.toLowerCase() },
    el('summary', {},
      el('span', { class: `method m-${method}` }, method),
      el('span', { class: 'path' }, path),
      el('span', { class: 'summary' }, op.summary || ''),
      secured ? el('span', { class: 'lock', title: 'Needs a bearer token' }, 'token') : null),
    el('div', { class: 'body' },
      op.description ? el('p', {}, op.description) : null,
      rows.length ? el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Parameter'), el('th', {}, 'In'),
        el('th', {}, 'Description'), el('th', {}, 'Value'))), el('tbody', {}, rows)) : null,
      jsonBody ? [el('h4', {}, 'Request body'), el('pre', {}, describe(jsonBody.schema)), textarea] : null,
      file ? [el('h4', {}, 'Upload'), file] : null,
      el('h4', {}, 'Responses'),
      el('table', {}, el('tbody', {}, responses)),
      el('p', {}, el('button', { type: 'button', onclick: send }, 'Send')),
      result));
}

function render() {
  $('#about').textContent = `${doc.info.title} ${doc.info.version} — ${doc.info.description || ''}`;
  const byTag = new Map((doc.tags || []).map((t) => [t.name, { description: t.description, ops: [] }]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method];
      if (!op) continue;
      const tag = (op.tags || ['other'])[0];
      if (!byTag.has(tag)) byTag.set(tag, { ops: [] });
      byTag.get(tag).ops.push(operation(path, method, op));
    }
  }
  const main = $('#ops');
  for (const [tag, { description, ops }] of byTag) {
    if (!ops.length) continue;
    main.append(el('section', {}, el('h2', {}, tag), description ? el('p', {}, description) : null, ops));
  }
}

$('#token').addEventListener('input', (e) => { token = e.target.value.trim(); });
$('#filter').addEventListener('input', (e) => {
  const q = e.target.value.toLowerCase();
  for (const op of document.querySelectorAll('details.op')) op.hidden = q && !op.dataset.search.includes(q);
});
$('#auth').addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = $('#auth-status');
  const res = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: $('#email').value, password: $('#password').value }),
  });
  const body = await res.json();
  if (res.ok) {
    token = body.access_token;
    $('#token').value = token;
    status.textContent = `Logged in; the token lasts ${Math.round(body.expires_in / 60)} minutes.`;
  } else {
    status.textContent = `${body.code}: ${body.detail}`;
  }
});

fetch('/api/openapi.json')
  .then((r) => r.json())
  .then((d) => { doc = d; render(); })
  .catch((e) => { $('#about').textContent = `Cannot load the OpenAPI document: ${e}`; });
