// render.js: building DOM from untrusted text. Nothing here assigns innerHTML:
// model output and article text only ever become text nodes.

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

// Citation markers: [1], [1, 2], [1][3].
const CITE = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

/**
 * Renders answer text into parent, as a small safe subset of Markdown built from
 * DOM nodes: paragraphs, line breaks, "-"/"*" and "1." lists, "#" headings shown
 * as bold lines, **bold**, *italic*, `code`, and [n] citation markers, which
 * become buttons made by cite(n). No links, images or HTML: anything else is
 * shown as the text it is.
 */
export function renderAnswer(parent, text, cite) {
  parent.replaceChildren();
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n{2,}/);
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

// inline appends text to node, with **bold**, *italic*, `code` and citations.
function inline(node, text, cite) {
  const re = /(\*\*([^*]+)\*\*|`([^`]+)`|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])|\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\])/g;
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    if (m.index > last) node.append(text.slice(last, m.index));
    if (m[2] !== undefined) node.append(inline(el('strong'), m[2], cite));
    else if (m[3] !== undefined) node.append(el('code', { text: m[3] }));
    else if (m[4] !== undefined) node.append(inline(el('em'), m[4], cite));
    else {
      for (const n of m[5].split(',').map((x) => Number(x.trim()))) {
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
    for (const n of m[1].split(',').map((x) => Number(x.trim()))) {
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
