// reader.js: the article reader, a dialog showing one article's full text
// with the cited passage highlighted and scrolled into view.
import { ApiError, getJSON } from './api.js';
import { displayTitle, el, errorBox, formatDate, honestByline, locate, renderArticle, safeURL } from './render.js';

const reader = document.getElementById('reader');
const title = document.getElementById('reader-title');
const meta = document.getElementById('reader-meta');
const body = document.getElementById('reader-body');
const link = document.getElementById('reader-link');

/** Reports whether the reader is open. */
export const readerOpen = () => reader.open;

/**
 * Opens the article item.article_id in the reader, highlighting the passage
 * item.start–item.end (byte offsets, checked against item.text or
 * item.quote). Focus returns to returnFocus when the reader closes. A 401
 * dispatches "newsrag:unauthorized" on document.
 */
export async function openArticle(item, returnFocus) {
  title.textContent = displayTitle(item);
  meta.textContent = honestByline(item);
  body.replaceChildren(el('p', { className: 'muted' }, el('span', { className: 'spinner', 'aria-hidden': 'true' }), 'Loading the article…'));
  link.hidden = true;
  reader.returnFocus = returnFocus;
  if (!reader.open) reader.showModal();
  try {
    const a = await getJSON(`/api/articles/${item.article_id.split('/').map(encodeURIComponent).join('/')}`);
    title.textContent = displayTitle(a);
    meta.textContent = [a.outlet || 'No outlet named', formatDate(a.published) || 'undated', a.author].filter(Boolean).join(' · ');
    const url = safeURL(a.url || '');
    if (url) {
      link.href = url;
      link.hidden = false;
    }
    const quote = item.text || item.quote;
    const range = quote ? locate(a.text, item.start, item.end, quote) : null;
    const mark = renderArticle(body, a.text, range);
    if (mark) {
      mark.id = 'cited-passage';
      mark.setAttribute('tabindex', '-1');
      requestAnimationFrame(() => {
        mark.scrollIntoView({ block: 'center' });
        mark.focus({ preventScroll: true });
      });
    } else if (quote) {
      body.prepend(el('p', { className: 'notice', text: 'The quoted passage could not be found in this version of the article.' }));
    } else {
      body.scrollTop = 0;
    }
  } catch (err) {
    body.replaceChildren(errorBox(err));
    if (err instanceof ApiError && err.status === 401) document.dispatchEvent(new CustomEvent('newsrag:unauthorized'));
  }
}

for (const b of reader.querySelectorAll('[data-close]')) b.addEventListener('click', () => reader.close());
reader.addEventListener('click', (e) => { if (e.target === reader) reader.close(); }); // the backdrop
reader.addEventListener('close', () => {
  const back = reader.returnFocus;
  reader.returnFocus = null;
  if (back?.isConnected) back.focus();
});
