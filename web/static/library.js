// library.js: the article browser, a dialog listing the archive's articles,
// searchable by title and filterable by outlet and date, each opening the
// reader.
import { openArticle } from './reader.js';
import { displayTitle, el, honestByline } from './render.js';

const dialog = document.getElementById('library');
const query = document.getElementById('lib-q');
const outlet = document.getElementById('lib-outlet');
const from = document.getElementById('lib-from');
const to = document.getElementById('lib-to');
const count = document.getElementById('lib-count');
const list = document.getElementById('lib-list');

/** The select value that stands for articles without an outlet. */
const NO_OUTLET = '\u0000none';

let articles = [];

/** Sets the articles the browser lists (summaries from GET /api/articles). */
export function setArticles(summaries) {
  articles = summaries;
  fillOutlets(outlet, articles, true);
  draw();
}

/**
 * Fills select with "All outlets", each outlet of articles, and, when
 * withNone, an entry for articles that name none. The selection is kept.
 */
export function fillOutlets(select, arts, withNone) {
  const keep = select.value;
  const outlets = [...new Set(arts.map((a) => a.outlet).filter(Boolean))].sort();
  const opts = [el('option', { value: '' }, 'All outlets'), ...outlets.map((o) => el('option', { value: o }, o))];
  if (withNone && arts.some((a) => !a.outlet)) opts.push(el('option', { value: NO_OUTLET }, 'No outlet named'));
  select.replaceChildren(...opts);
  select.value = [...select.options].some((o) => o.value === keep) ? keep : '';
}

/** Opens the browser; focus returns to returnFocus when it closes. */
export function openLibrary(returnFocus) {
  dialog.returnFocus = returnFocus;
  draw();
  if (!dialog.open) dialog.showModal();
  query.focus();
}

function matches(a) {
  const q = query.value.trim().toLowerCase();
  if (q && !displayTitle(a).toLowerCase().includes(q) && !(a.title || '').toLowerCase().includes(q)) return false;
  if (outlet.value === NO_OUTLET ? !!a.outlet : outlet.value && a.outlet !== outlet.value) return false;
  const day = a.published ? a.published.slice(0, 10) : '';
  if (from.value && (!day || day < from.value)) return false;
  if (to.value && (!day || day > to.value)) return false;
  return true;
}

function draw() {
  const shown = articles.filter(matches);
  count.textContent = shown.length === articles.length
    ? `${articles.length} article${articles.length === 1 ? '' : 's'}`
    : `${shown.length} of ${articles.length} articles`;
  list.replaceChildren(...shown.map((a) => el('li', {},
    el('button', {
      type: 'button', className: 'lib-open',
      onclick: (e) => openArticle({ article_id: a.id, title: a.title, outlet: a.outlet, published: a.published }, e.currentTarget),
    }, displayTitle(a)),
    el('span', { className: 'muted small', text: honestByline(a) }))));
  if (!shown.length) list.append(el('li', { className: 'muted', text: 'No article matches these filters.' }));
}

for (const input of [query, outlet, from, to]) input.addEventListener('input', draw);
document.getElementById('library-form').addEventListener('submit', (e) => e.preventDefault());
for (const b of dialog.querySelectorAll('[data-close]')) b.addEventListener('click', () => dialog.close());
dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
dialog.addEventListener('close', () => {
  const back = dialog.returnFocus;
  dialog.returnFocus = null;
  if (back?.isConnected) back.focus();
});
