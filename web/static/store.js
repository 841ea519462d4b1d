// store.js: conversations kept in this browser's localStorage.
//
// A conversation is {id, title, created, updated, turns}; a turn is
// {question, filters, answer, error, stopped}, where answer is what the page
// shows of a finished answer: {text, mode, model, answerable, seconds,
// citations, passages}. Only the passages the page shows are kept, so that
// many conversations fit in the few megabytes browsers allow.

const KEY = 'newsrag.conversations';
const CURRENT = 'newsrag.current';
const MAX_CONVERSATIONS = 100;

/** A new, empty conversation (not stored until it has a turn). */
export function newConversation() {
  const now = Date.now();
  const id = globalThis.crypto?.randomUUID?.() || `${now}-${Math.random().toString(36).slice(2)}`;
  return { id, title: '', created: now, updated: now, turns: [] };
}

/** Every stored conversation, most recently updated first. */
export function loadAll() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(list) ? list.filter((c) => c && c.id && Array.isArray(c.turns)) : [];
  } catch {
    return []; // unreadable: start afresh rather than fail
  }
}

/** The ID of the conversation shown last, or ''. */
export function currentID() {
  try { return localStorage.getItem(CURRENT) || ''; } catch { return ''; }
}

/** Remembers which conversation is shown. */
export function setCurrentID(id) {
  try { localStorage.setItem(CURRENT, id); } catch { /* private mode */ }
}

/**
 * Stores conv (replacing its earlier version) first in the list, and returns
 * the new list. When the browser's quota is full, the oldest conversations
 * are dropped until it fits.
 */
export function save(conv) {
  conv.updated = Date.now();
  if (!conv.title && conv.turns.length) conv.title = conv.turns[0].question.slice(0, 120);
  const list = [conv, ...loadAll().filter((c) => c.id !== conv.id)].slice(0, MAX_CONVERSATIONS);
  return write(list);
}

/** Removes the conversation with id; returns {list, removed, index} for undo. */
export function remove(id) {
  const all = loadAll();
  const index = all.findIndex((c) => c.id === id);
  if (index < 0) return { list: all, removed: null, index };
  const [removed] = all.splice(index, 1);
  return { list: write(all), removed, index };
}

/** Puts a removed conversation back where it was. */
export function restore(conv, index) {
  const all = loadAll().filter((c) => c.id !== conv.id);
  all.splice(Math.max(0, Math.min(index, all.length)), 0, conv);
  return write(all);
}

function write(list) {
  for (let keep = list.length; keep >= 1; keep--) {
    try {
      localStorage.setItem(KEY, JSON.stringify(list.slice(0, keep)));
      return list.slice(0, keep);
    } catch {
      // quota exceeded (or storage off): try again with fewer conversations
    }
  }
  return list; // storage unavailable: this page's memory only
}

/** The part of a finished answer worth keeping for a turn. */
export function keptAnswer(result, seconds) {
  const citations = result.citations || [];
  const cited = new Set(citations.map((c) => c.n));
  const all = !result.answerable || !citations.length; // nothing cited: the passages are what is shown
  const passages = (result.passages || []).filter((p) => all || cited.has(p.n));
  return {
    text: result.answer || '',
    mode: result.mode,
    model: result.model,
    answerable: !!result.answerable,
    complete: result.complete !== false,
    grounded: result.grounded !== false,
    unsure: !!result.unsure,
    corrections: result.corrections || [],
    seconds,
    citations,
    passages,
  };
}
