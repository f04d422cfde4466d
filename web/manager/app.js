// web/manager/app.js - the Manager Dashboard's shell: login, role-aware navigation, the
// route in the URL hash (#/tab?range=30 or ?from=..&to=..), the shared date range, logout and
// the expired session (back to the login page, then to the same page).
import { api, session, h, disposeCharts, ApiError } from './lib.js';
import * as alerts from './alerts.js';

// the tabs: who sees them, whether the date range applies, the module that draws them
const TABS = [
  { id: 'sales', label: 'Sales & products', roles: ['manager'], range: true, mod: () => import('./sales.js') },
  { id: 'inventory', label: 'Inventory', roles: ['manager', 'staff'], range: true, mod: () => import('./inventory.js') },
  { id: 'heatmap', label: 'Heatmaps', roles: ['manager'], mod: () => import('./heatmap.js') },
  { id: 'customers', label: 'Customers', roles: ['manager'], mod: () => import('./customers.js') },
  { id: 'emotions', label: 'Emotions & alerts', roles: ['manager', 'staff'], range: true, mod: () => import('./emotions.js') },
  { id: 'pricing', label: 'Pricing', roles: ['manager'], mod: () => import('./pricing.js') },
  { id: 'rules', label: 'Rules', roles: ['manager'], mod: () => import('./rules.js') },
  { id: 'admin', label: 'Mirrors & accounts', roles: ['manager'], mod: () => import('./admin.js') },
];

const $ = (id) => document.getElementById(id);
let renderToken = 0;
let firstPaint = true;

// ---- the route: "#/tab?k=v" ----
function parseHash() {
  const m = location.hash.match(/^#\/?([\w-]*)(?:\?(.*))?$/);
  return { tab: (m && m[1]) || '', params: new URLSearchParams((m && m[2]) || '') };
}
export function go(tab, params) {
  const q = params && params.toString();
  const want = `#/${tab}${q ? '?' + q : ''}`;
  if (location.hash === want) route();
  else location.hash = want;
}

// ---- the date range: presets relative to today (browser clock), or custom dates ----
const ymd = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
function rangeOf(params) {
  const from = params.get('from'), to = params.get('to');
  if (from || to) return { preset: 'custom', from: from || null, to: to || null };
  const p = params.get('range') || 'all';
  if (p === 'all') return { preset: 'all', from: null, to: null };
  const today = new Date();
  const start = new Date(today);
  if (p === '7') start.setDate(start.getDate() - 6);
  else if (p === '30') start.setDate(start.getDate() - 29);
  return { preset: p === '7' || p === '30' ? p : 'today', from: ymd(start), to: ymd(today) };
}
function rangeText(r) {
  const names = { today: 'Today', 7: 'Last 7 days', 30: 'Last 30 days', all: 'All dates' };
  if (r.preset === 'all') return names.all;
  const f = r.from ? new Date(r.from + 'T00:00:00').toLocaleDateString() : '…';
  const t = r.to ? new Date(r.to + 'T00:00:00').toLocaleDateString() : '…';
  return `${names[r.preset] || 'Custom'}: ${f} – ${t}`;
}
function setupRangeBar() {
  for (const b of document.querySelectorAll('#rangebar [data-preset]')) {
    b.addEventListener('click', () => {
      const { tab, params } = parseHash();
      params.delete('from'); params.delete('to');
      params.set('range', b.dataset.preset);
      go(tab, params);
    });
  }
  $('range-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const { tab, params } = parseHash();
    params.delete('range');
    const f = $('range-from').value, t = $('range-to').value;
    if (f) params.set('from', f); else params.delete('from');
    if (t) params.set('to', t); else params.delete('to');
    go(tab, params);
  });
}
function showRange(r, on) {
  $('rangebar').hidden = !on;
  if (!on) return;
  for (const b of document.querySelectorAll('#rangebar [data-preset]'))
    b.setAttribute('aria-pressed', String(b.dataset.preset === r.preset));
  $('range-from').value = r.from || '';
  $('range-to').value = r.to || '';
  $('range-text').textContent = rangeText(r);
}

// ---- navigation ----
function tabsFor(role) { return TABS.filter((t) => t.roles.includes(role)); }
function buildNav() {
  const nav = $('nav');
  nav.replaceChildren(...tabsFor(session.role).map((t) =>
    h('a', { href: `#/${t.id}`, dataset: { tab: t.id } }, t.label,
      t.id === 'emotions' ? h('span.badge#open-alerts', { hidden: true }) : null)));
  $('who').textContent = `${session.user.username} (${session.role})`;
}

async function route() {
  if (!session.role) return;
  const { tab, params } = parseHash();
  const allowed = tabsFor(session.role);
  const t = allowed.find((x) => x.id === tab);
  if (!t) { // unknown or not for this role: the first tab of the role
    history.replaceState(null, '', `#/${allowed[0].id}`);
    return route();
  }
  for (const a of document.querySelectorAll('#nav a'))
    a.toggleAttribute('aria-current', a.dataset.tab === t.id) && a.setAttribute('aria-current', 'page');
  const range = rangeOf(params);
  showRange(range, !!t.range);
  const token = ++renderToken;
  const main = $('main');
  main.dataset.tab = t.id;
  delete document.body.dataset.ready;
  disposeCharts();
  main.replaceChildren(h('p.loading', 'Loading…'));
  try {
    const mod = await t.mod();
    const view = await mod.render({ range, params, role: session.role, go: (p) => go(t.id, p), token: () => token === renderToken });
    if (token !== renderToken) return;
    main.replaceChildren(view);
  } catch (e) {
    if (token !== renderToken) return;
    if (e instanceof ApiError && e.status === 401) return; // the login page took over
    main.replaceChildren(h('p.error', { role: 'alert' }, `Cannot show this page: ${e.message}`));
  }
  requestAnimationFrame(() => requestAnimationFrame(() => {
    if (token !== renderToken) return;
    document.body.dataset.ready = t.id;
    if (firstPaint) {
      firstPaint = false;
      performance.mark('dashboard-ready');
    }
  }));
}

// ---- login, logout, expiry ----
function showLogin(message = '') {
  session.csrf = session.user = session.role = null;
  alerts.stop();
  disposeCharts();
  $('shell').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('login-pass').value = '';
  $('login-user').focus();
}
function showShell(me) {
  session.csrf = me.csrf;
  session.user = me.user;
  session.role = me.role;
  $('login').hidden = true;
  $('shell').hidden = false;
  buildNav();
  alerts.start();
  route();
}
session.onExpired = () => {
  if (session.role) showLogin('Your session has expired. Log in again to go back to this page.');
};

async function boot() {
  setupRangeBar();
  window.addEventListener('hashchange', route);
  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    alerts.unlockSound(); // a user gesture: the alert beep may play from now on
    $('login-error').textContent = '';
    try {
      const me = await api('/auth/login', { method: 'POST', body: { username: $('login-user').value, password: $('login-pass').value } });
      showShell(me);
    } catch (err) {
      $('login-error').textContent = err.status === 401 ? 'Wrong user name or password.' : err.message;
    }
  });
  $('logout').addEventListener('click', async () => {
    try { await api('/auth/logout', { method: 'POST', body: {} }); } catch { /* gone already */ }
    history.replaceState(null, '', '#/');
    showLogin('You are logged out.');
  });
  document.addEventListener('click', alerts.unlockSound, { once: true });
  document.addEventListener('keydown', alerts.unlockSound, { once: true });
  try {
    const me = await api('/auth/me');
    if (me.role === 'manager' || me.role === 'staff') return showShell(me);
  } catch { /* not logged in */ }
  showLogin();
}
boot();
