// answer.js: one turn of a conversation on the page: the question, the
// source cards, the answer with its citation markers, the quoted-passage
// card, and the actions (copy, regenerate, edit).
import { ApiError } from './api.js';
import { openArticle } from './reader.js';
import {
  displayTitle, el, errorBox, formatDate, honestByline, icon, ICONS, renderAnswer, safeURL,
} from './render.js';

/** Questions longer than this are shown folded, with a button to unfold. */
const FOLD_CHARS = 320;

/**
 * TurnView renders a turn ({question, filters, answer, error, stopped}) and
 * is updated while its answer streams in. actions holds onEdit(view),
 * onRegenerate(view) and onRetry(view).
 */
export class TurnView {
  constructor(turn, actions) {
    this.turn = turn;
    this.actions = actions;
    this.passages = [];
    this.citations = [];

    const bubble = el('p', { className: 'bubble', text: turn.question });
    const q = el('div', { className: 'question' }, bubble);
    if (turn.question.length > FOLD_CHARS) {
      bubble.classList.add('folded');
      const unfold = el('button', { type: 'button', className: 'link small', 'aria-expanded': 'false' }, 'Show the whole question');
      unfold.addEventListener('click', () => {
        const folded = bubble.classList.toggle('folded');
        unfold.setAttribute('aria-expanded', String(!folded));
        unfold.textContent = folded ? 'Show the whole question' : 'Fold the question';
      });
      q.append(unfold);
    }
    const filters = filterLine(turn.filters);
    this.editButton = el('button', { type: 'button', className: 'link small edit', onclick: () => actions.onEdit(this) },
      icon(ICONS.edit), 'Edit');
    q.append(el('div', { className: 'question-foot' }, filters ? el('span', { className: 'muted small', text: filters }) : null, this.editButton));

    this.status = el('p', { className: 'status', role: 'status' });
    this.sourceRow = el('div', { className: 'source-row', hidden: true });
    this.body = el('div', { className: 'answer-text' });
    this.card = el('div', { className: 'cite-card', hidden: true });
    this.foot = el('div', { className: 'answer-foot', hidden: true });
    this.section = el('section', { className: 'answer', 'aria-label': 'Answer' },
      this.status, this.sourceRow, this.body, this.card, this.foot);
    this.el = el('article', { className: 'turn', 'aria-label': `Question: ${turn.question.slice(0, 200)}` }, q, this.section);

    if (turn.answer) this.finish(turn.answer);
    else if (turn.error) this.fail(new ApiError(turn.error.status, turn.error.code, turn.error.message), turn.partial || '');
    else if (turn.stopped) this.stop(turn.partial || '');
  }

  /** Shows a status line (with a spinner) while the answer is on its way. */
  waiting(text) {
    this.section.setAttribute('aria-busy', 'true');
    this.status.hidden = false;
    this.status.replaceChildren(el('span', { className: 'spinner', 'aria-hidden': 'true' }), text);
  }

  /** Records the retrieved passages, so markers can be resolved while streaming. */
  sources(passages) {
    this.passages = passages;
    this.waiting(passages.length
      ? `Found ${passages.length} passage${passages.length === 1 ? '' : 's'} · writing the answer…`
      : 'No matching passages · writing…');
  }

  /** Shows the answer text so far. */
  text(t) {
    this.draw(t);
  }

  draw(t) {
    renderAnswer(this.body, t, (n) => this.citeButton(n));
  }

  /** Shows a finished answer (as kept by store.keptAnswer). */
  finish(answer) {
    this.answer = answer;
    this.passages = answer.passages || [];
    this.citations = answer.citations || [];
    this.section.setAttribute('aria-busy', 'false');
    this.status.hidden = true;
    this.draw(answer.text);
    this.drawSources();
    const mode = answer.mode === 'generated'
      ? el('span', { className: 'badge generated', title: 'Written by a language model from the sources above' }, `Written by ${answer.model || 'a language model'}`)
      : el('span', { className: 'badge extracted', title: 'No language model: these sentences are quoted from the articles' }, 'Extracted from the articles');
    const s = answer.seconds;
    const took = typeof s === 'number' ? el('span', { className: 'muted', text: s < 1 ? `${Math.max(1, Math.round(s * 1000))} ms` : `${s.toFixed(1)} s` }) : null;
    this.copyButton = el('button', { type: 'button', className: 'tool', onclick: () => this.copy() }, icon(ICONS.copy), 'Copy');
    this.regenButton = el('button', { type: 'button', className: 'tool', onclick: () => this.actions.onRegenerate(this) }, icon(ICONS.regenerate), 'Regenerate');
    const notices = [];
    if (answer.corrections && answer.corrections.length) {
      notices.push(el('p', { className: 'notice corrected' }, 'Searched for ',
        ...answer.corrections.flatMap((c, i) => [i ? ', ' : '', el('strong', { text: c.to }), ` (you typed “${c.from}”)`]), '.'));
    }
    if (answer.complete === false) {
      notices.push(el('p', { className: 'notice incomplete', role: 'status' }, el('strong', { text: 'Incomplete answer. ' }),
        'The language model stopped before finishing; what is shown is all that arrived.'));
    }
    if (answer.answerable && answer.unsure) {
      notices.push(el('p', { className: 'notice unsure' }, el('strong', { text: 'Not sure. ' }),
        'These passages may not answer the question: check the quotes before relying on it.'));
    }
    if (answer.answerable && answer.grounded === false) {
      notices.push(el('p', { className: 'notice ungrounded' }, el('strong', { text: 'Not grounded. ' }),
        'This answer cites no article, so nothing in it was checked against the sources.'));
    }
    this.foot.replaceChildren(...notices, el('p', { className: 'answer-meta' }, mode, took),
      el('div', { className: 'tools' }, this.copyButton, this.regenButton));
    this.foot.hidden = false;
  }

  /** Shows an error under whatever text had arrived, with "Try again". */
  fail(err, partial) {
    this.section.setAttribute('aria-busy', 'false');
    this.status.hidden = true;
    if (partial) this.draw(partial);
    const box = errorBox(err);
    if (partial) box.append(el('p', { className: 'small', text: 'The answer above is incomplete.' }));
    if (err.code !== 'bad_request') box.append(el('button', { type: 'button', onclick: () => this.actions.onRetry(this) }, 'Try again'));
    this.section.append(box);
  }

  /** Shows that the answer was stopped, with "Try again". */
  stop(partial) {
    this.section.setAttribute('aria-busy', 'false');
    this.status.hidden = true;
    if (partial) this.draw(partial);
    this.section.append(el('p', { className: 'notice' },
      partial ? 'Stopped. The answer above is incomplete. ' : 'Stopped. ',
      el('button', { type: 'button', className: 'link', onclick: () => this.actions.onRetry(this) }, 'Ask again')));
  }

  /** Enables or disables the actions that start a new answer. */
  setIdle(idle, last) {
    this.editButton.disabled = !idle;
    if (this.regenButton) {
      this.regenButton.hidden = !last;
      this.regenButton.disabled = !idle;
    }
  }

  // drawSources shows one card per cited article above the answer, or, when
  // nothing is cited, the articles whose passages came closest.
  drawSources() {
    const a = this.answer;
    const items = this.citations.length ? this.citations.map((c) => ({ ...c, text: c.quote })) : this.passages;
    if (!items.length) {
      this.sourceRow.hidden = true;
      return;
    }
    const parts = [];
    if (!a.answerable) {
      parts.push(el('p', { className: 'notice unanswerable' },
        el('strong', { text: 'No answer in the archive. ' }),
        'None of the articles answer this question; these came closest.'));
    }
    const heading = this.citations.length ? 'Sources' : 'Closest articles';
    parts.push(el('p', { className: 'source-heading', 'aria-hidden': 'true' }, heading),
      el('ul', { className: 'source-cards', 'aria-label': heading }, byArticle(items).map((g) => this.sourceCard(g))));
    this.sourceRow.replaceChildren(...parts);
    this.sourceRow.hidden = false;
  }

  sourceCard(g) {
    const url = safeURL(g.url || '');
    return el('li', { className: 'source-card' },
      el('button', { type: 'button', className: 'source-open', onclick: (e) => this.showCard(g.ns[0], e.currentTarget) },
        el('span', { className: 'source-title', text: displayTitle(g) })),
      el('p', { className: 'source-line' },
        el('span', { className: 'nums', title: 'Passage numbers' }, g.ns.map((n) => el('span', { className: 'num', text: String(n) }))),
        el('span', { className: 'source-meta', text: honestByline(g) })),
      el('p', { className: 'source-snippet', text: g.snippet }),
      alsoPublished(g.also),
      url ? el('a', { className: 'source-original small', href: url, target: '_blank', rel: 'noopener noreferrer' }, 'Original ↗') : null);
  }

  // citeButton makes the marker for passage n, or null when n names none.
  citeButton(n) {
    const item = this.lookup(n);
    if (!item) return null;
    return el('button', {
      type: 'button', className: 'cite', 'data-n': n, 'aria-expanded': 'false',
      'aria-label': `Source ${n}: ${displayTitle(item)}`, title: displayTitle(item),
      onclick: (e) => this.showCard(n, e.currentTarget),
    }, String(n));
  }

  lookup(n) {
    const c = this.citations.find((x) => x.n === n);
    if (c) return { ...c, text: c.quote };
    return this.passages.find((p) => p.n === n) || null;
  }

  // showCard shows the quoted passage n under the answer; clicking the same
  // marker again hides it.
  showCard(n, button) {
    const item = this.lookup(n);
    const card = this.card;
    const again = !card.hidden && card.dataset.n === String(n) && button.classList.contains('cite');
    this.closeCard(false);
    if (again || !item) return;
    card.dataset.n = String(n);
    card.opener = button;
    const url = safeURL(item.url || '');
    const read = el('button', { type: 'button', className: 'primary' }, 'Read in the article');
    read.addEventListener('click', () => openArticle(item, read));
    card.replaceChildren(
      el('div', { className: 'card-head' },
        el('span', { className: 'num', text: String(n) }),
        el('div', {},
          el('p', { className: 'card-title', text: displayTitle(item) }),
          el('p', { className: 'muted small', text: honestByline(item) })),
        el('button', { type: 'button', className: 'icon', 'aria-label': 'Close source', onclick: () => this.closeCard(true) }, icon(ICONS.close))),
      el('blockquote', { text: item.text || item.quote || '' }),
      el('div', { className: 'card-actions' },
        read,
        url ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, 'Original ↗') : null,
        el('span', { className: 'muted small hint-esc', text: 'Esc closes' })));
    card.setAttribute('role', 'region');
    card.setAttribute('aria-label', `Source ${n}: ${displayTitle(item)}`);
    card.hidden = false;
    for (const b of this.section.querySelectorAll(`.cite[data-n="${n}"]`)) b.setAttribute('aria-expanded', 'true');
    card.scrollIntoView({ block: 'nearest' });
    read.focus({ preventScroll: true });
  }

  /** Closes the passage card, if open; with refocus, focus returns to what opened it. Reports whether it was open. */
  closeCard(refocus) {
    if (this.card.hidden) return false;
    this.card.hidden = true;
    for (const b of this.section.querySelectorAll('.cite[aria-expanded="true"]')) b.setAttribute('aria-expanded', 'false');
    if (refocus && this.card.opener?.isConnected) this.card.opener.focus();
    return true;
  }

  /** Copies the answer with its sources, as plain text, to the clipboard. */
  async copy() {
    const text = answerAsText(this.turn.question, this.answer);
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      ok = copyWithSelection(text);
    }
    const label = this.copyButton.lastChild;
    label.textContent = ok ? 'Copied' : 'Copy failed';
    setTimeout(() => { label.textContent = 'Copy'; }, 2000);
  }
}

// copyWithSelection is the fallback for browsers without the async
// clipboard API (or without permission): a selected off-screen textarea.
function copyWithSelection(text) {
  const area = el('textarea', { className: 'sr-only', 'aria-hidden': 'true', tabindex: '-1' });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  area.remove();
  return ok;
}

/** The answer and its sources as plain text, for the clipboard. */
export function answerAsText(question, answer) {
  const lines = [question, '', answer.text.trim()];
  const items = answer.citations?.length ? answer.citations.map((c) => ({ ...c, text: c.quote })) : [];
  if (items.length) {
    lines.push('', 'Sources:');
    for (const it of items) {
      const where = [it.outlet, formatDate(it.published)].filter(Boolean).join(', ');
      lines.push(`[${it.n}] ${displayTitle(it)}${where ? ` (${where})` : ''}`);
      if (it.text) lines.push(`    “${it.text.trim().replace(/\s+/g, ' ')}”`);
      const url = safeURL(it.url || '');
      if (url) lines.push(`    ${url}`);
      for (const c of it.also_published || []) lines.push(`    also in ${c.outlet || displayTitle(c)}${safeURL(c.url || '') ? ` ${safeURL(c.url)}` : ''}`);
    }
  }
  return lines.join('\n');
}

// byArticle groups cited or retrieved passages by article, in order of
// first appearance, keeping each article's numbers and its first passage
// as snippet.
function byArticle(items) {
  const groups = new Map();
  for (const it of items) {
    const g = groups.get(it.article_id);
    if (g) {
      if (!g.ns.includes(it.n)) g.ns.push(it.n);
      continue;
    }
    groups.set(it.article_id, {
      article_id: it.article_id, title: it.title, outlet: it.outlet, published: it.published, url: it.url,
      ns: [it.n], snippet: (it.text || '').replace(/\s+/g, ' ').trim(), also: it.also_published || [],
    });
  }
  return [...groups.values()];
}

// alsoPublished names the other copies of a story ("Also in Paper, Wire"),
// each a link when it has a URL; null when there are none.
function alsoPublished(copies) {
  if (!copies?.length) return null;
  const names = copies.map((c) => {
    const name = c.outlet || displayTitle(c);
    const url = safeURL(c.url || '');
    return url ? el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, name) : name;
  });
  return el('p', { className: 'source-also small' }, 'Also in ', names.flatMap((n, i) => (i ? [', ', n] : [n])));
}

// filterLine describes the filters a question was asked with, or ''.
function filterLine(f) {
  if (!f) return '';
  const parts = [];
  if (f.outlet) parts.push(f.outlet);
  if (f.from) parts.push(`from ${f.from}`);
  if (f.to) parts.push(`to ${f.to}`);
  return parts.length ? `Only ${parts.join(', ')}` : '';
}
