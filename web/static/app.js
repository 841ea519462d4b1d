// app.js: the newsrag chat page. Plain DOM, no framework, no build step.
import { ApiError, apiKey, askStream, getJSON, probe, setApiKey } from './api.js';
import { TurnView } from './answer.js';
import { fillOutlets, openLibrary, setArticles } from './library.js';
import { readerOpen } from './reader.js';
import { el, errorBox, formatDate } from './render.js';
import * as store from './store.js';

const MAX_HISTORY = 20; // messages sent as context; rag.MaxHistory
const MAX_TURN_CHARS = 8000; // rag: 4 × MaxQuestionRunes
const MAX_QUESTION = 2000; // characters; rag.MaxQuestionRunes
const UNDO_MS = 8000;

const $ = (id) => document.getElementById(id);
const main = $('main');
const conversation = $('conversation');
const welcome = $('welcome');
const form = $('composer');
const input = $('question');
const stopButton = $('stop');
const count = $('question-count');
const sidebar = $('sidebar');
const toggle = $('toggle-sidebar');
const keyDialog = $('key-dialog');
const toast = $('toast');
const filterInputs = { outlet: $('f-outlet'), from: $('f-from'), to: $('f-to') };

const state = {
  conv: store.newConversation(),
  views: [], // TurnView per turn of conv
  busy: null, // {controller, view} of the answer being written
  queue: [], // TurnViews waiting for their turn
  editing: -1, // index of the turn being edited, or -1
  ready: false,
  readyWaiters: [],
  follow: true, // keep the newest answer in view
  deleted: new Set(), // IDs of conversations deleted while an answer ran
};

// ---- the composer ----

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    form.requestSubmit();
  }
});
let sentAt = -Infinity; // when the last question left the box
input.addEventListener('input', () => {
  // Some input methods deliver the Enter's line break after the keydown that
  // sent the question; drop it so the box starts empty again.
  if (performance.now() - sentAt < 1000 && !input.value.trim()) input.value = '';
  autosize();
  countLength();
});

function autosize() {
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

// countLength shows the question's length once it is long, and says how
// much to cut when it is too long (nothing is ever cut silently).
function countLength() {
  const n = [...input.value].length;
  const over = n > MAX_QUESTION;
  count.textContent = over
    ? `${n.toLocaleString('en')} / ${MAX_QUESTION.toLocaleString('en')} characters: too long by ${(n - MAX_QUESTION).toLocaleString('en')}; shorten it to send.`
    : n >= MAX_QUESTION * 0.75 ? `${n.toLocaleString('en')} / ${MAX_QUESTION.toLocaleString('en')} characters` : '';
  count.classList.toggle('over', over);
  if (over) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  return over;
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const q = input.value.trim();
  if (!q) {
    input.focus();
    return;
  }
  if (countLength()) {
    input.focus();
    return;
  }
  input.value = '';
  sentAt = performance.now();
  autosize();
  countLength();
  if (state.editing >= 0) truncate(state.editing);
  submit(q);
});

stopButton.addEventListener('click', () => {
  state.busy?.controller.abort();
  input.focus();
});

// submit adds a turn for question q to the conversation and asks it as
// soon as the answers before it are finished.
function submit(q) {
  const turn = { question: q, filters: currentFilters(), answer: null };
  state.conv.turns.push(turn);
  const view = addView(turn);
  keep(state.conv);
  state.follow = true;
  enqueue(view);
}

function addView(turn) {
  welcome.hidden = true;
  const view = new TurnView(turn, { onEdit: edit, onRegenerate: reask, onRetry: reask });
  state.views.push(view);
  conversation.append(view.el);
  return view;
}

function enqueue(view) {
  state.queue.push(view);
  if (state.busy) view.waiting('Queued: asked when the answer above is finished.');
  scrollToTurn(view);
  updateControls();
  pump();
}

function pump() {
  if (state.busy || !state.queue.length) return;
  run(state.queue.shift());
}

// run asks view's question, streaming the answer into view, and stores the
// conversation when it is done.
async function run(view) {
  const conv = state.conv;
  const turn = view.turn;
  const controller = new AbortController();
  state.busy = { controller, view };
  updateControls();
  let text = '';
  let pending = false;
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      if (!state.ready) {
        view.waiting(waitingText());
        await whenReady(controller.signal);
      }
      view.waiting('Searching the articles…');
      const result = await askStream({ question: turn.question, history: historyBefore(conv, turn), filters: turn.filters }, {
        signal: controller.signal,
        onSources: (ps) => view.sources(ps),
        onToken(t) {
          text += t;
          if (pending) return;
          pending = true;
          requestAnimationFrame(() => {
            pending = false;
            if (!turn.answer) view.text(text);
            scrollToTurn(view);
          });
        },
      });
      turn.answer = store.keptAnswer(result, (performance.now() - started) / 1000);
      view.finish(turn.answer);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'not_ready' && attempt < 3) {
        state.ready = false; // the index went away, or was never there: wait and try again
        watchReadiness();
        continue;
      }
      if (err.name === 'AbortError') {
        Object.assign(turn, { stopped: true, partial: text });
        view.stop(text);
      } else {
        Object.assign(turn, { error: { status: err.status || 0, code: err.code || 'error', message: err.message }, partial: text });
        view.fail(err, text);
        if (err instanceof ApiError && err.status === 401) askForKey(keyReason());
      }
    }
    break;
  }
  state.busy = null;
  keep(conv);
  if (conv === state.conv) scrollToTurn(view);
  updateControls();
  const idle = !document.activeElement || document.activeElement === document.body || document.activeElement === stopButton;
  if (idle && !readerOpen() && !keyDialog.open) input.focus();
  pump();
}

// keep stores conv (unless it was deleted meanwhile) and redraws the list.
function keep(conv) {
  if (state.deleted.has(conv.id)) return;
  store.save(conv);
  if (conv === state.conv) store.setCurrentID(conv.id);
  drawChats();
}

// historyBefore is the conversation before turn, as sent for context.
function historyBefore(conv, turn) {
  const out = [];
  for (const t of conv.turns) {
    if (t === turn) break;
    if (t.answer) out.push({ role: 'user', content: t.question }, { role: 'assistant', content: t.answer.text.slice(0, MAX_TURN_CHARS) });
  }
  return out.slice(-MAX_HISTORY);
}

// reask answers view's question again, in place: regenerate, try again.
function reask(view) {
  const i = state.views.indexOf(view);
  if (i < 0) return;
  const turn = { question: view.turn.question, filters: view.turn.filters, answer: null };
  state.conv.turns[i] = turn;
  const fresh = new TurnView(turn, { onEdit: edit, onRegenerate: reask, onRetry: reask });
  state.views[i] = fresh;
  view.el.replaceWith(fresh.el);
  state.follow = true;
  enqueue(fresh);
}

// edit puts view's question back into the composer; sending it replaces
// that turn and the ones after it.
function edit(view) {
  const i = state.views.indexOf(view);
  if (i < 0 || state.busy) return;
  state.editing = i;
  $('editing').hidden = false;
  input.value = view.turn.question;
  autosize();
  countLength();
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
}

function cancelEdit() {
  if (state.editing < 0) return false;
  state.editing = -1;
  $('editing').hidden = true;
  input.value = '';
  autosize();
  countLength();
  input.focus();
  return true;
}
$('cancel-edit').addEventListener('click', cancelEdit);

// truncate drops the turns from index i on, for an edited question.
function truncate(i) {
  state.editing = -1;
  $('editing').hidden = true;
  for (const v of state.views.splice(i)) v.el.remove();
  state.conv.turns.splice(i);
}

function updateControls() {
  stopButton.hidden = !state.busy;
  const idle = !state.busy && !state.queue.length;
  state.views.forEach((v, i) => v.setIdle(idle, i === state.views.length - 1));
}

// scrollToTurn brings the top of view's turn to the top of the page, or as
// far as the page goes, while the reader has not scrolled away themselves.
function scrollToTurn(view) {
  if (state.follow && view.el.isConnected) view.el.scrollIntoView({ block: 'start' });
}
for (const ev of ['wheel', 'touchmove']) main.addEventListener(ev, () => { state.follow = false; }, { passive: true });
main.addEventListener('keydown', (e) => {
  if (['PageUp', 'PageDown', 'ArrowUp', 'ArrowDown', 'Home', 'End'].includes(e.key)) state.follow = false;
});

// ---- filters ----

function currentFilters() {
  const f = {};
  for (const [k, field] of Object.entries(filterInputs)) if (field.value) f[k] = field.value;
  return f;
}

function drawFilterSummary() {
  const f = currentFilters();
  const parts = [];
  if (f.outlet) parts.push(f.outlet);
  if (f.from) parts.push(`from ${formatDate(f.from)}`);
  if (f.to) parts.push(`to ${formatDate(f.to)}`);
  $('filters-summary').textContent = parts.length ? parts.join(', ') : 'all articles';
  $('filters').classList.toggle('active', parts.length > 0);
}
for (const i of Object.values(filterInputs)) i.addEventListener('input', drawFilterSummary);
$('f-clear').addEventListener('click', () => {
  for (const i of Object.values(filterInputs)) i.value = '';
  drawFilterSummary();
  filterInputs.outlet.focus();
});

// ---- conversations ----

function show(conv) {
  state.busy?.controller.abort();
  state.queue = [];
  state.editing = -1;
  $('editing').hidden = true;
  for (const v of state.views) v.el.remove();
  state.views = [];
  state.conv = conv;
  for (const t of conv.turns) {
    if (!t.answer && !t.error && !t.stopped) t.stopped = true; // the page was closed while it was answered
    addView(t);
  }
  welcome.hidden = conv.turns.length > 0;
  updateControls();
  drawChats();
  const last = state.views.at(-1);
  state.follow = true;
  if (last) scrollToTurn(last);
  else main.scrollTop = 0;
}

function newChat() {
  if (state.conv.turns.length) show(store.newConversation());
  closeSidebar(false);
  input.focus();
}

function switchTo(id) {
  const conv = store.loadAll().find((c) => c.id === id);
  if (!conv) return;
  if (conv.id !== state.conv.id) {
    show(conv);
    store.setCurrentID(conv.id);
  }
  closeSidebar(false);
  input.focus();
}

function drawChats() {
  const list = store.loadAll();
  // Keep the keyboard user's place in the list across the redraw.
  const had = document.activeElement?.closest?.('#chats .chat');
  const refocus = had && `[data-id="${CSS.escape(had.dataset.id || '')}"] .${document.activeElement.classList[0]}`;
  $('no-chats').hidden = list.length > 0;
  $('chats').replaceChildren(...list.map((c) => {
    const n = c.turns.length;
    const current = c.id === state.conv.id;
    return el('li', { className: 'chat', 'data-id': c.id },
      el('button', {
        type: 'button', className: 'chat-open', 'aria-current': current ? 'true' : undefined,
        onclick: () => switchTo(c.id),
      }, el('span', { className: 'chat-title', text: c.title || 'Untitled' }),
      el('span', { className: 'chat-meta', text: `${n} question${n === 1 ? '' : 's'} · ${when(c.updated)}` })),
      el('button', {
        type: 'button', className: 'icon chat-delete', 'aria-label': `Delete “${(c.title || 'Untitled').slice(0, 60)}”`,
        onclick: () => remove(c),
      }, '✕'));
  }));
  if (refocus) $('chats').querySelector(refocus)?.focus();
}

function when(ms) {
  const d = new Date(ms);
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

// remove deletes conversation c at once and puts an "Undo" row in its
// place for a few seconds; focus moves to that button.
function remove(c) {
  const { removed, index } = store.remove(c.id);
  if (!removed) return;
  state.deleted.add(removed.id);
  const wasCurrent = removed.id === state.conv.id;
  if (wasCurrent) show(store.newConversation());
  drawChats();
  const undo = el('button', { type: 'button', className: 'link' }, 'Undo');
  const row = el('li', { className: 'chat deleted', role: 'status' },
    el('span', { className: 'small', text: `Deleted “${(removed.title || 'Untitled').slice(0, 40)}”.` }), undo);
  const chats = $('chats');
  chats.insertBefore(row, chats.children[index] || null);
  undo.focus();
  const timer = setTimeout(() => {
    const hadFocus = row.contains(document.activeElement);
    const next = row.nextElementSibling?.querySelector('.chat-open') || row.previousElementSibling?.querySelector('.chat-open');
    row.remove();
    if (hadFocus) (next || $('new-chat')).focus();
  }, UNDO_MS);
  undo.addEventListener('click', () => {
    clearTimeout(timer);
    state.deleted.delete(removed.id);
    store.restore(removed, index);
    if (wasCurrent && !state.conv.turns.length) show(removed);
    drawChats();
    $('chats').querySelector(`[data-id="${CSS.escape(removed.id)}"] .chat-open`)?.focus();
    announce('Conversation restored.');
  });
}

function announce(text) {
  toast.textContent = text;
  setTimeout(() => { if (toast.textContent === text) toast.textContent = ''; }, 4000);
}

$('new-chat').addEventListener('click', newChat);

// ---- the side panel (a drawer on narrow screens) ----

const narrow = matchMedia('(max-width: 1023px)');

function openSidebar() {
  sidebar.classList.add('open');
  $('scrim').hidden = false;
  toggle.setAttribute('aria-expanded', 'true');
  $('new-chat').focus();
}

function closeSidebar(refocus) {
  if (!sidebar.classList.contains('open')) return false;
  sidebar.classList.remove('open');
  $('scrim').hidden = true;
  toggle.setAttribute('aria-expanded', 'false');
  if (refocus) toggle.focus();
  return true;
}

toggle.addEventListener('click', () => (sidebar.classList.contains('open') ? closeSidebar(true) : openSidebar()));
$('close-sidebar').addEventListener('click', () => closeSidebar(true));
$('scrim').addEventListener('click', () => closeSidebar(true));
narrow.addEventListener('change', () => closeSidebar(false));

// ---- Escape, outside dialogs: the drawer, then a passage card, then an edit ----

document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || e.defaultPrevented || document.querySelector('dialog[open]')) return;
  if (narrow.matches && closeSidebar(true)) return;
  const active = state.views.find((v) => v.el.contains(document.activeElement) && !v.card.hidden)
    || state.views.findLast((v) => !v.card.hidden);
  if (active?.closeCard(true)) return;
  cancelEdit();
});

// ---- the article browser ----

for (const id of ['library-button', 'sidebar-library']) {
  $(id).addEventListener('click', (e) => {
    closeSidebar(false);
    const opener = e.currentTarget;
    // The drawer closes: focus then returns to the header's button.
    openLibrary(narrow.matches && opener.id === 'sidebar-library' ? $('library-button') : opener);
  });
}

// ---- API key ----

function askForKey(reason) {
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
document.addEventListener('newsrag:unauthorized', () => askForKey(keyReason()));

// ---- readiness: the server may still be building its first index ----

let progress = null; // {done, total} from /readyz
let watching = false;

function waitingText() {
  return progress
    ? `Waiting for the archive: indexing ${progress.done.toLocaleString('en')} of ${progress.total.toLocaleString('en')} passages…`
    : 'Waiting for the archive to be indexed…';
}

function whenReady(signal) {
  if (state.ready) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const waiter = { resolve, reject };
    state.readyWaiters.push(waiter);
    signal?.addEventListener('abort', () => {
      state.readyWaiters = state.readyWaiters.filter((w) => w !== waiter);
      reject(new DOMException('stopped', 'AbortError'));
    }, { once: true });
  });
}

async function watchReadiness() {
  if (watching) return;
  watching = true;
  try {
    for (;;) {
      const ready = await probe('/readyz');
      if (ready.status === 200) {
        state.ready = true;
        state.readyBody = ready.body;
        for (const w of state.readyWaiters.splice(0)) w.resolve();
        return;
      }
      const line = $('corpus-line');
      if (ready.status === 0) {
        line.replaceChildren(errorBox(new ApiError(0, 'network', 'Could not reach the newsrag server. This page will carry on once it is back.')));
      } else {
        progress = ready.body?.progress || null;
        line.textContent = `${progress ? `Indexing the archive: ${progress.done.toLocaleString('en')} of ${progress.total.toLocaleString('en')} passages…` : 'Building the archive’s index…'} You can ask now: questions are answered once it is ready.`;
        if (state.busy && !state.ready) state.busy.view.waiting(waitingText());
      }
      await new Promise((r) => setTimeout(r, 1500));
    }
  } finally {
    watching = false;
  }
}

// ---- the welcome screen ----

const EXAMPLES = [
  ['taliban-march-into-kabul', 'Why did Kabul fall so quickly to the Taliban?'],
  ['coalition-of-the-willing-whos-in-whos-out', 'Which countries are in the coalition of the willing?'],
  ['long-range-drone-strikes-weakening-russia', 'How are long-range drone strikes affecting Russia?'],
  ['trump-hits-out-at-zelenskyy-again', 'What did Trump say about Zelenskyy?'],
];

async function loadArchive() {
  watchReadiness();
  await whenReady();
  const line = $('corpus-line');
  try {
    const { articles } = await getJSON('/api/articles');
    const outlets = [...new Set(articles.map((a) => a.outlet).filter(Boolean))];
    const unnamed = articles.filter((a) => !a.outlet).length;
    const from = outlets.map((o) => `${articles.filter((a) => a.outlet === o).length} from ${o}`);
    if (unnamed) from.push(`${unnamed} with no outlet named`);
    const stats = state.readyBody?.stats;
    const how = stats && stats.llm && stats.llm !== 'extractive'
      ? `answers written by ${stats.llm}`
      : 'answers quoted from the articles';
    line.textContent = `${articles.length} article${articles.length === 1 ? '' : 's'}`
      + (outlets.length ? ` (${from.join(', ')})` : '') + ` · ${how}, every claim linked to its source.`;
    const ids = new Set(articles.map((a) => a.id));
    $('suggestions').replaceChildren(...EXAMPLES.filter(([id]) => ids.has(id)).map(([, q]) => el('button', {
      type: 'button', className: 'chip',
      onclick: () => {
        submit(q);
        input.focus();
      },
    }, q)));
    setArticles(articles);
    fillOutlets(filterInputs.outlet, articles, false);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      line.textContent = 'This server needs an API key.';
      askForKey(keyReason());
    } else {
      line.replaceChildren(errorBox(err));
    }
  }
}

// ---- start ----

if (apiKey()) $('key-button').hidden = false;
const saved = store.loadAll().find((c) => c.id === store.currentID());
if (saved) show(saved);
else drawChats();
drawFilterSummary();
loadArchive();
input.focus();
