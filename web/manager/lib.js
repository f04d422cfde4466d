// web/manager/lib.js - what every tab shares: the API client (cookie + CSRF, 401 -> login),
// formatting in the browser's locale, DOM helpers, sortable tables, KPI cards, charts.

// ---- the API ----
export const session = { csrf: null, user: null, role: null, onExpired: null };

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
  }
}

// a JSON request; a 401 (expired or logged-out session) hands over to the login page
export async function api(path, { method = 'GET', body } = {}) {
  const headers = {};
  if (method !== 'GET') {
    headers['X-CSRF-Token'] = session.csrf || '';
    if (body !== undefined) headers['Content-Type'] = 'application/json';
  }
  const res = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try { json = await res.json(); } catch { /* empty or not JSON */ }
  if (res.status === 401 && session.onExpired && !path.startsWith('/auth/')) session.onExpired();
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

// "?from=..&to=.." of a range {from, to} (dates "YYYY-MM-DD" or null) plus extra arguments
export function query(range, extra = {}) {
  const p = new URLSearchParams();
  if (range && range.from) p.set('from', range.from);
  if (range && range.to) p.set('to', range.to);
  for (const [k, v] of Object.entries(extra)) if (v !== null && v !== undefined && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? '?' + s : '';
}

// ---- formatting (the browser's locale) ----
// The store keeps money as integer cents without a currency; the dashboard shows euros.
export const CURRENCY = 'EUR';
const moneyFmt = new Intl.NumberFormat(undefined, { style: 'currency', currency: CURRENCY });
const intFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const num1Fmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const num2Fmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const pctFmt = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

const moneyShortFmt = new Intl.NumberFormat(undefined, { style: 'currency', currency: CURRENCY, notation: 'compact', maximumFractionDigits: 1 });
// axis labels: "€1.2K"
export const moneyShort = (cents) => moneyShortFmt.format(cents / 100);
export const money = (cents) => (cents === null || cents === undefined ? '–' : moneyFmt.format(cents / 100));
export const int = (n) => (n === null || n === undefined ? '–' : intFmt.format(n));
export const num1 = (n) => (n === null || n === undefined ? '–' : num1Fmt.format(n));
export const num2 = (n) => (n === null || n === undefined ? '–' : num2Fmt.format(n));
export const pct = (x) => (x === null || x === undefined ? '–' : pctFmt.format(x));
export const date = (iso) => (iso ? dateFmt.format(new Date(iso)) : '–');
export const datetime = (iso) => (iso ? timeFmt.format(new Date(iso)) : '–');
// a "YYYY-MM-DD" day of the store (UTC) as a short label in the browser's locale
export const day = (ymd) => dayFmt.format(new Date(ymd + 'T00:00:00Z'));
export const seconds = (s) => (s >= 5400 ? `${num1(s / 3600)} h` : s >= 90 ? `${num1(s / 60)} min` : `${num1(s)} s`);

// colour-blind-safe series colours (Okabe & Ito)
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
export const EMOTION_COLOURS = { frustration: '#D55E00', happiness: '#009E73', surprise: '#0072B2' };
export const SEQUENTIAL = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b']; // one hue: safe
export const HEAT = ['#fcfdbf', '#feb078', '#f1605d', '#b73779', '#721f81', '#2c115f']; // magma

// ---- DOM ----
// h('div.card#id', {attr...}, children...) ; a string child is text, never HTML
export function h(spec, attrs, ...kids) {
  const m = spec.match(/^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i);
  const el = document.createElement(m[1] || 'div');
  for (const part of m[2].match(/[.#][\w-]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    kids.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'style') el.style.cssText = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && k !== 'list' && k !== 'form') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : String(kid));
  }
  return el;
}

export function card(title, ...body) {
  let tools = null;
  if (body.length && body[0] && body[0].tools) tools = body.shift().tools;
  return h('section.card', h('header', h('h2', title), tools), ...body);
}

// KPI cards: [{k: 'Revenue', v: '€1,234.00', s: 'sub', id: 'revenue'}]
export function kpis(items) {
  return h('div.kpis', items.map((i) => h('div.kpi', { dataset: { kpi: i.id || '' } },
    h('div.k', i.k), h('div.v', i.v), i.s ? h('div.s', i.s) : null)));
}

export const empty = (text) => h('div.empty', { role: 'status' }, text);

let toastTimer = null;
export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove('show'), 3500);
}

// a modal confirmation (keyboard: Enter confirms, Escape cancels); resolves true/false
export function confirmBox(text, okLabel = 'OK') {
  const d = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  d.returnValue = '';
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.showModal();
    document.getElementById('confirm-ok').focus();
  });
}

// ---- sortable tables ----
// columns: [{key, label, num: bool, fmt: (v, row) => text|Node, sort: (row) => value, cls}]
// opts: {rows, sort: key, desc: bool, onRow: (row, tr) => void, rowClass: (row) => cls, id}
export function table(columns, rows, opts = {}) {
  const state = { key: opts.sort || null, desc: opts.desc !== undefined ? opts.desc : true };
  const tbody = h('tbody');
  const ths = columns.map((c) => {
    const th = h('th', { scope: 'col', className: c.num ? 'num' : '' });
    if (c.nosort) th.append(c.label);
    else th.append(h('button.sort', { type: 'button', onclick: () => sortBy(c.key) }, c.label));
    th.dataset.key = c.key;
    return th;
  });
  const value = (c, r) => (c.sort ? c.sort(r) : r[c.key]);
  function render() {
    let list = rows.slice();
    const c = columns.find((x) => x.key === state.key);
    if (c) {
      list.sort((a, b) => {
        const x = value(c, a), y = value(c, b);
        const d = typeof x === 'string' || typeof y === 'string'
          ? String(x ?? '').localeCompare(String(y ?? ''), undefined, { numeric: true })
          : (x ?? -Infinity) - (y ?? -Infinity);
        return state.desc ? -d : d;
      });
    }
    ths.forEach((th) => th.setAttribute('aria-sort',
      th.dataset.key === state.key ? (state.desc ? 'descending' : 'ascending') : 'none'));
    tbody.replaceChildren(...list.map((r) => {
      const tr = h('tr', { className: opts.rowClass ? opts.rowClass(r) || '' : '' },
        columns.map((col) => {
          const v = col.fmt ? col.fmt(r[col.key], r) : r[col.key];
          const td = h('td', { className: [col.num ? 'num' : '', col.cls ? col.cls(r) || '' : ''].join(' ').trim() });
          if (v instanceof Node) td.append(v);
          else td.textContent = v ?? '';
          return td;
        }));
      if (opts.onRow) {
        tr.classList.add('clickable');
        tr.tabIndex = 0;
        tr.addEventListener('click', () => opts.onRow(r, tr));
        tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') opts.onRow(r, tr); });
      }
      return tr;
    }));
  }
  function sortBy(key) {
    if (state.key === key) state.desc = !state.desc;
    else { state.key = key; state.desc = !!columns.find((c) => c.key === key).num; } // numbers: largest first
    render();
  }
  render();
  const t = h('table', { id: opts.id || null }, h('thead', h('tr', ths)), tbody);
  t.setRows = (r) => { rows = r; render(); };
  return t;
}

// ---- charts (ECharts, loaded as /vendor/echarts.min.js) ----
const charts = new Set();
export function chart(el, option, heightClass = '') {
  const div = el || h('div.chart');
  if (heightClass) div.classList.add(heightClass);
  requestAnimationFrame(() => {
    if (!div.isConnected) return;
    const c = window.echarts.init(div, null, { renderer: 'canvas' });
    const opt = typeof option === 'function' ? option(div) : option;
    c.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...opt });
    div.chart = c;
    charts.add(c);
  });
  return div;
}
export function chartDiv(option, cls = '') {
  return chart(h('div.chart' + (cls ? '.' + cls : '')), option);
}
// disposes the charts of the page being left
export function disposeCharts() {
  for (const c of charts) c.dispose();
  charts.clear();
}
window.addEventListener('resize', () => { for (const c of charts) c.resize(); });

