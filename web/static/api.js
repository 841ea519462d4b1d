// api.js: calls to the newsrag JSON API and its answer stream.
// Every error becomes an ApiError with a message fit to show to people.

const KEY_STORAGE = 'newsrag.apiKey';

/** An API failure: HTTP status (0 when the server could not be reached), code, message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The API key stored in this browser, or ''. */
export function apiKey() {
  try { return localStorage.getItem(KEY_STORAGE) || ''; } catch { return ''; }
}

/** Stores (or, when empty, forgets) the API key. */
export function setApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch { /* private mode: the key lasts for this page only */ }
}

function headers(json) {
  const h = { Accept: 'application/json' };
  if (json) h['Content-Type'] = 'application/json';
  const key = apiKey();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

const unreachable = () =>
  new ApiError(0, 'network', 'Could not reach the newsrag server. Check that it is running and try again.');

async function errorFrom(res) {
  try {
    const body = await res.json();
    if (body && body.error && body.error.message) {
      return new ApiError(res.status, body.error.code, body.error.message);
    }
  } catch { /* not our JSON: a proxy or a crash */ }
  return new ApiError(res.status, `http_${res.status}`, `The server answered ${res.status} ${res.statusText || ''}`.trim() + '.');
}

async function send(path, init) {
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw unreachable();
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

/** GETs path and returns its JSON. */
export async function getJSON(path, { signal } = {}) {
  const res = await send(path, { headers: headers(false), signal });
  return res.json();
}

/** GETs path without credentials checks; returns {status, body}. For /readyz. */
export async function probe(path) {
  try {
    const res = await fetch(path, { headers: { Accept: 'application/json' } });
    let body = null;
    try { body = await res.json(); } catch { /* empty */ }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: null };
  }
}

/**
 * Asks a question through POST /api/ask/stream. Calls onSources(passages) once,
 * onToken(text) for each piece of the answer, and resolves with the final answer
 * (the "done" event). Rejects with an ApiError on an "error" event, an HTTP error,
 * or a stream that ends early.
 */
export async function askStream(body, { signal, onSources, onToken }) {
  const res = await send('/api/ask/stream', {
    method: 'POST', headers: headers(true), body: JSON.stringify(body), signal,
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (err.name === 'AbortError') throw err;
        throw new ApiError(0, 'network', 'The connection to the server was lost before the answer was finished.');
      }
      if (chunk.done) break;
      buf += chunk.value;
      let m;
      while ((m = /\r?\n\r?\n/.exec(buf))) {
        const block = buf.slice(0, m.index);
        buf = buf.slice(m.index + m[0].length);
        const ev = parseEvent(block);
        if (!ev) continue;
        const data = JSON.parse(ev.data);
        switch (ev.name) {
          case 'sources': onSources(data.passages || []); break;
          case 'token': onToken(data.text || ''); break;
          case 'done': return data;
          case 'error': {
            const e = data.error || {};
            throw new ApiError(e.status || 500, e.code || 'error', e.message || 'The answer failed.');
          }
          default: break;
        }
      }
    }
  } finally {
    reader.releaseLock?.();
  }
  throw new ApiError(0, 'incomplete', 'The connection closed before the answer was finished.');
}

function parseEvent(block) {
  let name = 'message';
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue; // heartbeat
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { name, data: data.join('\n') } : null;
}
