// app.js: the newsrag chat page. Plain DOM, no framework, no build step.
import { ApiError, apiKey, askStream, getJSON, probe, setApiKey } from './api.js';
import { byline, el, formatDate, locate, renderAnswer, renderArticle, safeURL } from './render.js';

const MAX_HISTORY = 20; // turns; rag.MaxHistory
const MAX_TURN_CHARS = 8000; // rag: 4 × MaxQuestionRunes

const $ = (id) => document.getElementById(id);
const conversation = $('conversation');
const form = $('composer');
const input = $('question');
const sendButton = $('send');
const reader = $('reader');
const keyDialog = $('key-dialog');

const state = {
  history: [], // {role, content}
  busy: null, // AbortController of the running question
  articles: null, // summaries, once loaded
  needsKey: false,
};

// ---- composer ----

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    form.requestSubmit();
  }
});
input.addEventListener('input', autosize);

function autosize() {
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (state.busy) {
    state.busy.abort();
    return;
  }
  const q = input.value.trim();
  if (!q) {
    input.focus();
    return;
  }
  input.value = '';
  autosize();
  // Some input methods deliver the Enter's line break after the keydown that
  // sent the question; drop it so the box starts empty again.
  setTimeout(() => {
    if (!input.value.trim()) {
      input.value = '';
      autosize();
    }
  }, 0);
  ask(q);
});

function setBusy(controller) {
  state.busy = controller;
  sendButton.classList.toggle('stop', !!controller);
  sendButton.setAttribute('aria-label', controller ? 'Stop the answer' : 'Send question');
  sendButton.replaceChildren(controller ? stopIcon() : sendIcon());
}

const svg = (d) => {
  const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  s.setAttribute('viewBox', '0 0 24 24');
  s.setAttribute('width', '20');
  s.setAttribute('height', '20');
  s.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  p.setAttribute('d', d);
  p.setAttribute('fill', 'currentColor');
  s.append(p);
  return s;
};
const sendIcon = () => svg('M4 12l16-8-6 16-2.5-6.5z');
const stopIcon = () => svg('M7 7h10v10H7z');

$('new-chat').addEventListener('click', () => {
  state.busy?.abort();
  state.history = [];
  for (const t of conversation.querySelectorAll('.turn')) t.remove();
  $('welcome').hidden = false;
  input.focus();
});

// ---- asking ----

async function ask(question) {
  $('welcome').hidden = true;
  const turn = el('article', { className: 'turn', 'aria-label': `Question: ${question}` });
  const q = el('div', { className: 'question' }, el('p', { text: question }));
  const answer = el('section', { className: 'answer', 'aria-busy': 'true', 'aria-label': 'Answer' });
  const status = el('p', { className: 'status', role: 'status' }, el('span', { className: 'spinner', 'aria-hidden': 'true' }), 'Searching the articles…');
  const body = el('div', { className: 'answer-text' });
  const card = el('div', { className: 'cite-card', hidden: true });
  answer.append(status, body, card);
  turn.append(q, answer);
  conversation.append(turn);
  turn.scrollIntoView({ block: 'start', behavior: 'smooth' });

  const controller = new AbortController();
  setBusy(controller);
  const history = state.history.slice(-MAX_HISTORY).map((t) => ({ role: t.role, content: t.content.slice(0, MAX_TURN_CHARS) }));
  let passages = [];
  let text = '';
  let pending = false;
  const ctx = { passages: () => passages, citations: [], card, answer };
  const draw = () => {
    pending = false;
    renderAnswer(body, text, (n) => citeButton(n, ctx));
  };
  const started = performance.now();
  try {
    const result = await askStream({ question, history }, {
      signal: controller.signal,
      onSources(ps) {
        passages = ps;
        status.lastChild.textContent = ps.length
          ? `Found ${ps.length} passage${ps.length === 1 ? '' : 's'} · writing the answer…`
          : 'No matching passages · writing…';
      },
      onToken(t) {
        text += t;
        if (!pending) {
          pending = true;
          requestAnimationFrame(draw);
        }
      },
    });
    passages = result.passages || passages;
    ctx.citations = result.citations || [];
    text = result.answer || '';
    draw();
    status.remove();
    finish(answer, result, ctx, (performance.now() - started) / 1000);
    state.history.push({ role: 'user', content: question }, { role: 'assistant', content: text });
  } catch (err) {
    if (text) draw();
    status.remove();
    showError(answer, err, () => {
      turn.remove();
      ask(question);
    }, !!text);
  } finally {
    answer.setAttribute('aria-busy', 'false');
    setBusy(null);
    if (!reader.open && !keyDialog.open) input.focus();
  }
}

// finish adds the mode notice and the sources list under an answer.
function finish(answer, result, ctx, seconds) {
  const notes = [];
  if (!result.answerable) {
    notes.push(el('p', { className: 'notice unanswerable' },
      el('strong', { text: 'No answer in the archive. ' }),
      'None of the articles answer this question. The passages that came closest are listed below.'));
  }
  const mode = result.mode === 'generated'
    ? el('span', { className: 'badge generated', title: 'Written by a language model from the passages below' }, `Written by ${result.model || 'a language model'}`)
    : el('span', { className: 'badge extracted', title: 'No language model: these sentences are quoted from the articles' }, 'Extracted from the articles');
  const meta = el('p', { className: 'answer-meta' }, mode, el('span', { className: 'muted', text: seconds < 1 ? `${Math.max(1, Math.round(seconds * 1000))} ms` : `${seconds.toFixed(1)} s` }));
  answer.append(...notes, meta);

  const cited = ctx.citations;
  const passages = ctx.passages();
  if (cited.length) {
    answer.append(sourceList(`Sources (${cited.length})`, cited.map((c) => ({ ...c, text: c.quote })), ctx, true));
  }
  const uncited = passages.filter((p) => !cited.some((c) => c.n === p.n));
  if (uncited.length && (!cited.length || !result.answerable)) {
    answer.append(sourceList(`Passages searched (${uncited.length})`, uncited, ctx, false));
  }
}

function sourceList(title, items, ctx, open) {
  const details = el('details', { className: 'sources', open: open || undefined });
  details.append(el('summary', { text: title }));
  const ol = el('ol');
  for (const it of items) {
    ol.append(el('li', {},
      el('button', {
        type: 'button', className: 'source-link', 'aria-label': `Source ${it.n}: ${it.title}`,
        onclick: (e) => showCard(it.n, ctx, e.currentTarget),
      }, el('span', { className: 'num', text: String(it.n) }), el('span', { className: 'source-title', text: it.title })),
      el('span', { className: 'muted small', text: byline(it) })));
  }
  details.append(ol);
  return details;
}

// citeButton makes the [n] marker for passage n, or null when n names none.
function citeButton(n, ctx) {
  const item = lookup(n, ctx);
  if (!item) return null;
  return el('button', {
    type: 'button', className: 'cite', 'data-n': n, 'aria-expanded': 'false',
    'aria-label': `Source ${n}: ${item.title}`, title: item.title,
    onclick: (e) => showCard(n, ctx, e.currentTarget),
  }, String(n));
}

function lookup(n, ctx) {
  const c = ctx.citations.find((x) => x.n === n);
  if (c) return { ...c, text: c.quote };
  return ctx.passages().find((p) => p.n === n) || null;
}

// showCard shows the quoted passage n under the answer; a second click hides it.
function showCard(n, ctx, button) {
  const { card } = ctx;
  const item = lookup(n, ctx);
  for (const b of ctx.answer.querySelectorAll('.cite[aria-expanded="true"]')) b.setAttribute('aria-expanded', 'false');
  if (!card.hidden && card.dataset.n === String(n) && button.classList.contains('cite')) {
    card.hidden = true;
    return;
  }
  if (!item) return;
  card.dataset.n = String(n);
  const url = safeURL(item.url || '');
  const open = el('button', { type: 'button', className: 'primary', onclick: () => openArticle(item, card.querySelector('.primary')) }, 'Read in the article');
  card.replaceChildren(
    el('div', { className: 'card-head' },
      el('span', { className: 'num', text: String(n) }),
      el('div', {},
        el('p', { className: 'card-title', text: item.title }),
        el('p', { className: 'muted small', text: byline(item) || 'Outlet and date unknown' })),
      el('button', { type: 'button', className: 'icon', 'aria-label': 'Close source', onclick: () => { card.hidden = true; button.focus(); } }, '✕')),
    el('blockquote', { text: item.text || item.quote || '' }),
    el('div', { className: 'card-actions' },
      open,
      url ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, 'Original ↗') : null));
  card.setAttribute('role', 'region');
  card.setAttribute('aria-label', `Source ${n}: ${item.title}`);
  card.hidden = false;
  for (const b of ctx.answer.querySelectorAll(`.cite[data-n="${n}"]`)) b.setAttribute('aria-expanded', 'true');
  card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  open.focus({ preventScroll: true });
}

// ---- the article reader ----

async function openArticle(item, returnFocus) {
  $('reader-title').textContent = item.title;
  $('reader-meta').textContent = byline(item);
  const body = $('reader-body');
  body.replaceChildren(el('p', { className: 'muted' }, el('span', { className: 'spinner', 'aria-hidden': 'true' }), 'Loading the article…'));
  $('reader-link').hidden = true;
  reader.returnFocus = returnFocus;
  if (!reader.open) reader.showModal();
  try {
    const a = await getJSON(`/api/articles/${item.article_id.split('/').map(encodeURIComponent).join('/')}`);
    $('reader-title').textContent = a.title;
    $('reader-meta').textContent = [a.outlet, formatDate(a.published), a.author].filter(Boolean).join(' · ');
    const url = safeURL(a.url || '');
    if (url) {
      $('reader-link').href = url;
      $('reader-link').hidden = false;
    }
    const range = locate(a.text, item.start, item.end, item.text || item.quote);
    const mark = renderArticle(body, a.text, range);
    if (mark) {
      mark.id = 'cited-passage';
      mark.setAttribute('tabindex', '-1');
      requestAnimationFrame(() => {
        mark.scrollIntoView({ block: 'center' });
        mark.focus({ preventScroll: true });
      });
    } else if (item.text || item.quote) {
      body.prepend(el('p', { className: 'notice', text: 'The quoted passage could not be found in this version of the article.' }));
    }
  } catch (err) {
    body.replaceChildren(errorBox(err));
    if (err instanceof ApiError && err.status === 401) askForKey(keyReason());
  }
}

for (const b of reader.querySelectorAll('[data-close]')) b.addEventListener('click', () => reader.close());
reader.addEventListener('click', (e) => { if (e.target === reader) reader.close(); }); // backdrop
reader.addEventListener('close', () => reader.returnFocus?.focus());

// ---- errors ----

function errorBox(err) {
  const title = {
    network: 'Server unreachable',
    incomplete: 'Answer interrupted',
    timeout: 'Timed out',
    llm_failed: 'The language model failed',
    llm_unavailable: 'The language model is busy',
    rate_limited: 'Too many questions',
    not_ready: 'Still preparing the archive',
    unauthorized: 'API key needed',
    shutting_down: 'Server shutting down',
    bad_request: 'The question was not accepted',
  }[err.code] || 'Something went wrong';
  return el('div', { className: 'error', role: 'alert' },
    el('strong', { text: title }),
    el('p', { text: err instanceof ApiError ? sentence(err.message) : `Unexpected error: ${err.message}` }));
}

const sentence = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

function showError(answer, err, retry, partial) {
  if (err.name === 'AbortError') {
    answer.append(el('p', { className: 'notice', text: partial ? 'Stopped. The answer above is incomplete.' : 'Stopped.' }));
    return;
  }
  const box = errorBox(err);
  if (partial) box.append(el('p', { className: 'small', text: 'The answer above is incomplete.' }));
  if (err.code !== 'bad_request') {
    box.append(el('button', { type: 'button', onclick: retry }, 'Try again'));
  }
  answer.append(box);
  if (err instanceof ApiError && err.status === 401) askForKey(keyReason());
}

// ---- API key ----

function askForKey(reason) {
  state.needsKey = true;
  $('key-button').hidden = false;
  $('key-reason').textContent = `${reason} It is kept in this browser only.`;
  $('key-input').value = apiKey();
  if (!keyDialog.open) keyDialog.showModal();
}

const keyReason = () => (apiKey()
  ? 'The server did not accept the stored API key. Enter the current one.'
  : 'This server needs an API key; ask whoever runs it.');

$('key-button').addEventListener('click', () => askForKey('Enter the API key for this server.'));
$('key-form').addEventListener('submit', () => {
  setApiKey($('key-input').value.trim());
  loadArchive();
});
$('key-clear').addEventListener('click', () => {
  setApiKey('');
  $('key-input').value = '';
  keyDialog.close();
});
keyDialog.addEventListener('close', () => input.focus());

// ---- the welcome screen ----

const EXAMPLES = [
  ['taliban-march-into-kabul', 'Why did Kabul fall so quickly to the Taliban?'],
  ['coalition-of-the-willing-whos-in-whos-out', 'Which countries are in the coalition of the willing?'],
  ['long-range-drone-strikes-weakening-russia', 'How are long-range drone strikes affecting Russia?'],
  ['trump-hits-out-at-zelenskyy-again', 'What did Trump say about Zelenskyy?'],
];

async function loadArchive() {
  const line = $('corpus-line');
  const ready = await probe('/readyz');
  if (ready.status === 0) {
    line.replaceChildren(errorBox(new ApiError(0, 'network', 'Could not reach the newsrag server. Reload the page once it is running.')));
    return;
  }
  if (ready.status === 503) {
    line.textContent = 'The archive is still being indexed… this page will update when it is ready.';
    setTimeout(loadArchive, 3000);
    return;
  }
  try {
    const { articles } = await getJSON('/api/articles');
    state.articles = articles;
    const outlets = [...new Set(articles.map((a) => a.outlet).filter(Boolean))];
    const stats = ready.body && ready.body.stats;
    const how = stats && stats.llm && stats.llm !== 'extractive'
      ? `answers written by ${stats.llm}`
      : 'answers quoted from the articles';
    line.textContent = `${articles.length} article${articles.length === 1 ? '' : 's'}`
      + (outlets.length ? ` from ${outlets.join(', ')}` : '') + ` · ${how}, every claim linked to its source.`;
    const ids = new Set(articles.map((a) => a.id));
    const examples = EXAMPLES.filter(([id]) => ids.has(id)).map(([, q]) => q);
    $('suggestions').replaceChildren(...examples.map((q) =>
      el('button', { type: 'button', className: 'chip', onclick: () => ask(q) }, q)));
    const list = $('article-list');
    list.querySelector('ul').replaceChildren(...articles.map((a) => el('li', {},
      el('button', {
        type: 'button', className: 'link',
        onclick: (e) => openArticle({ article_id: a.id, title: a.title, outlet: a.outlet, published: a.published }, e.currentTarget),
      }, a.title),
      el('span', { className: 'muted small', text: byline(a) }))));
    list.hidden = articles.length === 0;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      line.textContent = 'This server needs an API key.';
      askForKey(keyReason());
    } else {
      line.replaceChildren(errorBox(err));
    }
  }
}

if (apiKey()) $('key-button').hidden = false;
loadArchive();
input.focus();
