// render.js: building DOM from untrusted text. Nothing here assigns innerHTML:
// model output and article text only ever become text nodes.
import { ApiError } from './api.js';

/**
 * el(tag, props, ...children) creates an element. props may hold className,
 * text (textContent), on<Event> handlers, and any other attribute (set with
 * setAttribute, so it is never parsed as HTML). Children are nodes or strings
 * (strings become text nodes); null and false are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'className') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2).toLowerCase(), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Only http(s) links are ever made clickable. */
export function safeURL(url) {
  if (!url) return '';
  try {
    const u = new URL(url); // absolute URLs only
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
  } catch { return ''; }
}

/** "22 Aug 2021", or '' for a missing or zero date. */
export function formatDate(iso) {
  if (!iso || iso.startsWith('0001-')) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** "Sky News · 3 Mar 2025", skipping what is unknown. */
export function byline(item) {
  return [item.outlet, formatDate(item.published)].filter(Boolean).join(' · ');
}

/** Like byline, but says so when the outlet or the date is not known. */
export function honestByline(item) {
  return `${item.outlet || 'No outlet named'} · ${formatDate(item.published) || 'undated'}`;
}

/** An article's title for people (the loader titles a file without a headline by its name). */
export function displayTitle(item) {
  return (item.title || '').trim() || 'Untitled article';
}

/**
 * Converts a [start, end) range of UTF-8 byte offsets into text to UTF-16
 * indices (what JS strings use). Offsets inside a character round down.
 */
export function byteRangeToUTF16(text, start, end) {
  let bytes = 0;
  let s = -1;
  let e = -1;
  let i = 0;
  while (i < text.length) {
    if (s < 0 && bytes >= start) s = i;
    if (bytes >= end) { e = i; break; }
    const cp = text.codePointAt(i);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
  }
  if (s < 0) s = text.length;
  if (e < 0) e = text.length;
  return [s, e];
}

/**
 * Finds where a passage lies in an article's text: its byte offsets, checked
 * against the quote, falling back to searching for the quote.
 */
export function locate(text, start, end, quote) {
  if (Number.isInteger(start) && Number.isInteger(end) && end > start) {
    const [s, e] = byteRangeToUTF16(text, start, end);
    const found = text.slice(s, e);
    if (!quote || norm(found).includes(norm(quote).slice(0, 40)) || norm(quote).includes(norm(found).slice(0, 40))) {
      return [s, e];
    }
  }
  if (quote) {
    const i = text.indexOf(quote.trim());
    if (i >= 0) return [i, i + quote.trim().length];
  }
  return null;
}

const norm = (s) => s.replace(/\s+/g, ' ').trim();

// A citation marker: [1], [1, 2], [ 3 ]. The same pattern as the server's
// (rag.CitationPattern; a Go test keeps the two equal).
const MARKER = String.raw`\[\s*\d{1,4}(?:\s*,\s*\d{1,4})*\s*\]`;
const CITE = new RegExp(MARKER, 'g');

// markerNumbers is the numbers of one marker's text, "[1, 2]" → [1, 2].
const markerNumbers = (m) => m.slice(1, -1).split(',').map((x) => Number(x.trim()));

/**
 * Renders answer text into parent, as a small safe subset of Markdown built from
 * DOM nodes: paragraphs, line breaks, "-"/"*" and "1." lists, "#" headings shown
 * as bold lines, **bold**, *italic*, `code`, and [n] citation markers, which
 * become buttons made by cite(n). No links, images or HTML: anything else is
 * shown as the text it is.
 */
export function renderAnswer(parent, text, cite) {
  parent.replaceChildren();
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n{2,}/).flatMap(splitCited);
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (!lines.length) continue;
    if (lines.every((l) => /^\s*[-*•]\s+/.test(l))) {
      parent.append(el('ul', {}, lines.map((l) => inline(el('li'), l.replace(/^\s*[-*•]\s+/, ''), cite))));
    } else if (lines.every((l) => /^\s*\d{1,3}[.)]\s+/.test(l))) {
      parent.append(el('ol', {}, lines.map((l) => inline(el('li'), l.replace(/^\s*\d{1,3}[.)]\s+/, ''), cite))));
    } else {
      const p = el('p');
      lines.forEach((l, i) => {
        if (i > 0) p.append(el('br'));
        const h = /^\s*#{1,6}\s+(.*)$/.exec(l);
        if (h) p.append(inline(el('strong'), h[1], cite));
        else inline(p, l, cite);
      });
      parent.append(p);
    }
  }
}

// A sentence that ends with its citation marker, followed by a new sentence.
const CITED_END = new RegExp(`(${MARKER}[.!?]?)[ \\t]+(?=[\\p{Lu}\\d“"‘'(])`, 'gu');

// splitCited breaks a long single-line paragraph of cited sentences (as the
// extractive answerer writes them) into one paragraph per cited sentence, so
// each claim reads on its own with its source at its end.
function splitCited(block) {
  if (block.length < 240 || block.includes('\n')) return [block];
  const parts = block.replace(CITED_END, '$1\n\n').split('\n\n');
  return parts.length >= 2 ? parts : [block];
}

// inline appends text to node, with **bold**, *italic*, `code` and citations.
function inline(node, text, cite) {
  const re = new RegExp(String.raw`(\*\*([^*]+)\*\*|` + '`([^`]+)`' + String.raw`|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])|(${MARKER}))`, 'g');
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    if (m.index > last) node.append(text.slice(last, m.index));
    if (m[2] !== undefined) node.append(inline(el('strong'), m[2], cite));
    else if (m[3] !== undefined) node.append(el('code', { text: m[3] }));
    else if (m[4] !== undefined) node.append(inline(el('em'), m[4], cite));
    else {
      for (const n of markerNumbers(m[5])) {
        node.append(cite(n) || `[${n}]`);
      }
    }
    last = re.lastIndex;
  }
  if (last < text.length) node.append(text.slice(last));
  return node;
}

/** The citation numbers in text, in order of first appearance. */
export function citedNumbers(text) {
  const seen = [];
  for (const m of text.matchAll(CITE)) {
    for (const n of markerNumbers(m[0])) {
      if (!seen.includes(n)) seen.push(n);
    }
  }
  return seen;
}

/**
 * Renders an article's text into parent as paragraphs, with [s, e) (UTF-16
 * indices) wrapped in <mark> elements. Returns the first mark, if any.
 */
export function renderArticle(parent, text, range) {
  parent.replaceChildren();
  let first = null;
  const re = /\n{2,}/g;
  let pos = 0;
  const paras = [];
  let m;
  while ((m = re.exec(text))) {
    paras.push([pos, m.index]);
    pos = m.index + m[0].length;
  }
  paras.push([pos, text.length]);
  for (const [a, b] of paras) {
    if (a >= b) continue;
    const p = el('p');
    if (range && range[0] < b && range[1] > a) {
      const s = Math.max(a, range[0]);
      const e = Math.min(b, range[1]);
      lines(p, text.slice(a, s));
      const mark = el('mark', { className: 'passage' });
      lines(mark, text.slice(s, e));
      p.append(mark);
      lines(p, text.slice(e, b));
      if (!first) first = mark;
    } else {
      lines(p, text.slice(a, b));
    }
    parent.append(p);
  }
  return first;
}

// lines appends text to node, single newlines as <br>.
function lines(node, text) {
  text.split('\n').forEach((l, i) => {
    if (i > 0) node.append(el('br'));
    if (l) node.append(l);
  });
}

const ERROR_TITLES = {
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
};

/** An alert box describing err (an ApiError or anything thrown). */
export function errorBox(err) {
  const message = err instanceof ApiError ? sentence(err.message) : `Unexpected error: ${err.message}`;
  return el('div', { className: 'error', role: 'alert' },
    el('strong', { text: ERROR_TITLES[err.code] || 'Something went wrong' }),
    el('p', { text: message }));
}

const sentence = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

/** An inline SVG icon (paths in a 24×24 box), hidden from assistive technology. */
export function icon(...paths) {
  const ns = 'http://www.w3.org/2000/svg';
  const s = document.createElementNS(ns, 'svg');
  s.setAttribute('viewBox', '0 0 24 24');
  s.setAttribute('width', '18');
  s.setAttribute('height', '18');
  s.setAttribute('aria-hidden', 'true');
  s.setAttribute('focusable', 'false');
  for (const d of paths) {
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', d);
    s.append(p);
  }
  return s;
}

/** Icon paths, drawn with a stroke (see .icon-stroke in style.css). */
export const ICONS = {
  send: 'M4 12l16-8-6 16-2.5-6.5z',
  stop: 'M7 7h10v10H7z',
  copy: 'M9 9h10v11H9zM5 15V4h10',
  regenerate: 'M20 11a8 8 0 1 0-2.3 5.7M20 5v6h-6',
  edit: 'M4 20h4L19 9l-4-4L4 16zM13 7l4 4',
  trash: 'M5 7h14M10 11v6M14 11v6M7 7l1 13h8l1-13M9 7V4h6v3',
  menu: 'M4 6h16M4 12h16M4 18h16',
  plus: 'M12 5v14M5 12h14',
  books: 'M5 4h4v16H5zM10 4h4v16h-4zM15 5l3.5-1 3 15.5-3.5 1z',
  close: 'M6 6l12 12M18 6L6 18',
};
