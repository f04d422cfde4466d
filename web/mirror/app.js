// web/mirror/app.js - the Smart Mirror: pairing, the privacy notice, the camera and its frame
// loop (at most one frame in flight), face login and logout, e-mail + PIN login, the sheets
// (dialogs) and the overlay. The shop is in shop.js, registration and face data in enrol.js.
import { takePairing, forgetPairing, get, post, api } from './api.js';
import { h, $, sleep, money } from './dom.js';
import { Camera, cameraProblem } from './camera.js';
import { Overlay } from './overlay.js';
import { app } from './state.js';
import { setupShop, showTab, renderTab, loadFacets, loadCart, loadForYou, clearShopper } from './shop.js';
import { registerSheet, accountSheet, onEnrolFrame } from './enrol.js';

const S = app.s;
window.__mirror = S; // for the browser tests: latencies, state (no biometric data in it)

const video = $('#video');
const overlay = new Overlay($('#overlay'), video);
const camera = new Camera(video, () => setCamera('error', cameraProblem({ name: 'ended' })));
let sheetName = null, greetTimer = 0, bannerTimer = 0, loop = null;
// the dialogs that show the customer's name or data: closed when somebody else comes into view
// (a registration or capture in progress shows neither and goes on)
const PERSONAL_SHEETS = new Set(['greeting', 'bought', 'account', 'delete', 'enrolled']);

// ---- banner and sheets ----

app.banner = (text, kind = 'warn') => {
  const b = $('#banner');
  b.textContent = text;
  b.className = `banner ${kind === 'warn' ? '' : kind}`;
  b.hidden = false;
  clearTimeout(bannerTimer);
  bannerTimer = setTimeout(() => { b.hidden = true; }, kind === 'warn' ? 9000 : 4000);
};

app.openSheet = (title, nodes, name = title) => {
  sheetName = name;
  $('#sheet-title').textContent = title;
  $('#sheet-content').replaceChildren(...[nodes].flat());
  $('#sheet').hidden = false;
  const first = $('#sheet-content').querySelector('input, select, button');
  if (first) first.focus({ preventScroll: true });
};

app.closeSheet = () => {
  if (sheetName === 'unpaired') return;
  sheetName = null;
  clearTimeout(greetTimer);
  $('#sheet').hidden = true;
  $('#sheet-content').replaceChildren();
  if (S.enrol) { S.enrol = null; post('/mirror/enrol/cancel').catch(() => {}); }
};

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && sheetName && !['notice', 'unpaired'].includes(sheetName)) app.closeSheet();
  // a sheet is modal: Tab goes round its own controls, never to the page behind it
  if (e.key === 'Tab' && sheetName) {
    const body = $('#sheet .sheet-body');
    const all = [...body.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
      .filter((el) => !el.disabled && el.tabIndex >= 0 && el.offsetParent !== null);
    if (!all.length) return;
    const i = all.indexOf(document.activeElement);
    const next = i < 0 ? all[0] : all[(i + (e.shiftKey ? all.length - 1 : 1)) % all.length];
    e.preventDefault();
    next.focus();
  }
});

// ---- the header: indicator, who is here, account buttons ----

function setIndicator(kind, text) {
  const el = $('#indicator');
  el.className = `indicator ${kind}`;
  $('#indicator-text').textContent = text;
}

function renderBar() {
  const who = $('#who');
  if (S.who && S.private) who.textContent = 'Personal content hidden';
  else if (S.who) who.textContent = `Hi, ${S.who.name}`;
  else who.textContent = S.camera === 'on' ? 'Look into the mirror to log in' : 'Welcome';
  $('#btn-logout').hidden = !S.who;
  $('#btn-account').hidden = !S.who || S.private;
  $('#btn-login').hidden = !!S.who || !S.noticeAccepted;
  for (const t of document.querySelectorAll('#tabs [data-tab=foryou], #tabs [data-tab=cart]')) t.hidden = S.private;
  document.body.classList.toggle('private', S.private);
}

// ---- login and logout ----

app.loggedIn = async (customer, how) => {
  const changed = !S.who || S.who.id !== customer.id;
  S.who = customer;
  S.private = false;
  if (changed) {
    clearShopper();
    S.profile = null;
    try { S.profile = (await get(`/customers/${customer.id}`)).customer; } catch { /* size filter off */ }
  }
  renderBar();
  await loadCart();
  loadForYou().then(() => { if (S.tab === 'home' || S.tab === 'foryou') renderTab(); });
  renderTab();
  return how;
};

app.greet = (customer, how) => {
  const words = how === 'register' ? `Welcome, ${customer.name}!` : `Welcome back, ${customer.name}!`;
  app.openSheet('Logged in', [h('p', { class: 'greeting', id: 'greeting', text: words }),
    h('p', { class: 'lead center', text: how === 'face' ? 'You are logged in by face. Your offers are ready.' : 'You are logged in. Your offers are ready.' }),
    h('div', { class: 'actions', style: 'justify-content:center' },
      h('button', { class: 'primary big', onclick: () => { app.closeSheet(); showTab('foryou'); } }, 'See my offers'),
      h('button', { class: 'ghost big', onclick: () => app.closeSheet() }, 'Browse'))], 'greeting');
  clearTimeout(greetTimer);
  greetTimer = setTimeout(() => { if (sheetName === 'greeting') app.closeSheet(); }, 4000);
};

app.loggedOut = (reason) => {
  if (!S.who) return;
  S.who = null;
  S.profile = null;
  S.private = false;
  S.expr = null;
  S.enrol = null;
  clearShopper();
  if (sheetName && sheetName !== 'notice' && sheetName !== 'unpaired') app.closeSheet();
  S.unknownStreak = 0;
  S.unknownQuietUntil = performance.now() + 8000; // the next person first sees the welcome
  renderBar();
  showTab('home');
  app.banner(reason === 'idle' ? 'Logged out: nobody was in front of the mirror.' : 'You are logged out. See you soon!', 'ok');
};

async function logout() {
  // no frames for a few seconds: whoever pressed the button is not logged in again by face
  // while they step away
  S.pauseUntil = performance.now() + 8000;
  try { await post('/mirror/logout'); } catch { /* logged out anyway */ }
  app.loggedOut('button');
}

app.askLogin = (why) => {
  app.openSheet('Log in', [h('p', { class: 'lead', text: why || 'How would you like to log in?' }),
    S.camera === 'on' ? h('p', { text: 'Registered your face? Just look into the mirror.' }) : null,
    h('div', { class: 'actions' },
      h('button', { class: 'primary big', onclick: pinSheet }, 'E-mail and PIN'),
      h('button', { class: 'ghost big', onclick: registerSheet }, 'Register'),
      h('button', { class: 'ghost big', onclick: () => app.closeSheet() }, 'Cancel'))], 'login');
};

function pinSheet() {
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { id: 'pin-form', novalidate: true },
    h('label', { class: 'field' }, h('span', { text: 'E-mail' }), h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true })),
    h('label', { class: 'field' }, h('span', { text: 'PIN' }), h('input', { name: 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 8, required: true })),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary big' }, 'Log in'),
      h('button', { type: 'button', class: 'ghost big', onclick: () => app.closeSheet() }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    try {
      const r = await post('/mirror/login', { email: String(f.get('email')).trim(), pin: String(f.get('pin')) });
      await app.loggedIn(r.customer, 'pin');
      app.greet(r.customer, 'pin');
    } catch (x) {
      err.textContent = x.status === 401 ? 'That e-mail and PIN do not match.' : x.status === 429
        ? 'Too many tries: please wait a few minutes or ask staff.' : x.message;
    }
  });
  app.openSheet('Log in with e-mail and PIN', form, 'pin');
}

function unknownSheet() {
  app.openSheet('Hello!', [h('p', { class: 'lead', text: 'We do not recognise you yet.' }),
    h('p', { text: 'Register in a minute for face login and your own offers, or log in with your e-mail and PIN. Nothing is stored about you unless you register.' }),
    h('div', { class: 'actions' },
      h('button', { class: 'primary big', onclick: registerSheet }, 'Register'),
      h('button', { class: 'ghost big', onclick: pinSheet }, 'E-mail and PIN'),
      h('button', { class: 'ghost big', onclick: () => { S.unknownQuietUntil = performance.now() + 60000; app.closeSheet(); } }, 'Just browsing'))], 'unknown');
}

app.bought = (cart) => {
  app.openSheet('Thank you!', [h('p', { class: 'greeting', text: 'Purchase complete' }),
    h('p', { class: 'lead center', id: 'purchase-done', text: `Purchase #${cart.purchase_id}: ${cart.lines.length} item${cart.lines.length === 1 ? '' : 's'}, ${money(cart.total_cents)}. Your items are ready at the checkout desk.` }),
    h('div', { class: 'actions', style: 'justify-content:center' }, h('button', { class: 'primary big', onclick: () => app.closeSheet() }, 'Keep shopping'))], 'bought');
};

// ---- camera and frames ----

function setCamera(state, problem = null) {
  S.camera = state;
  S.cameraProblem = problem;
  const note = $('#stage-note');
  if (state === 'on') { note.hidden = true; }
  else if (state === 'error') {
    overlay.clear();
    note.hidden = false;
    note.replaceChildren(h('p', { class: 'lead', id: 'camera-problem', text: problem.text }),
      h('button', { class: 'primary big', id: 'camera-retry', onclick: () => app.retryCamera() }, 'Try again'));
    setIndicator('off', 'Camera off');
  } else if (state === 'off') {
    note.hidden = false;
    note.replaceChildren(h('p', { text: 'The camera is off.' }),
      h('button', { class: 'primary big', id: 'camera-retry', onclick: () => app.retryCamera() }, 'Start the camera'));
    setIndicator('off', 'Camera off');
  } else { note.hidden = false; note.replaceChildren(h('p', { text: 'Starting the camera…' })); }
  renderBar();
}

app.retryCamera = async () => {
  setCamera('starting');
  try {
    await camera.start();
    setCamera('on');
    if (!loop) loop = frameLoop().finally(() => { loop = null; });
  } catch (e) {
    setCamera('error', cameraProblem(e));
  }
};

// how long to wait between frames: a few per second with a face, slower with nobody there,
// none while the page is hidden (the loop waits for it to come back)
function gapMs(r) {
  if (S.enrol) return 120;
  if (r && r.faces && r.faces.length) return 200;
  return S.who ? 500 : 1000;
}

async function frameLoop() {
  let last = null;
  while (S.camera === 'on') {
    if (document.hidden) {
      setIndicator('paused', 'Paused');
      await new Promise((res) => document.addEventListener('visibilitychange', res, { once: true }));
      if (!document.hidden) refreshState();
      continue;
    }
    if (S.enrol && S.enrol.finishing) { await sleep(100); continue; } // saving the templates
    if (performance.now() < S.pauseUntil) {
      setIndicator('paused', 'Paused');
      overlay.clear();
      await sleep(200);
      continue;
    }
    const t0 = performance.now();
    let grabbed;
    try { grabbed = await camera.grab(); } catch { await sleep(200); continue; }
    if (S.camera !== 'on') break; // the camera went away while the frame was being encoded
    const query = S.enrol ? `?mode=enrol&phase=${S.enrol.phase}` : '';
    const tSend = performance.now();
    setIndicator('live', 'Analysing');
    let r;
    try {
      r = await api('POST', '/mirror/frame' + query, undefined, { raw: grabbed.blob });
    } catch (e) {
      if (e.status === 401) { unpaired('This mirror\'s pairing is no longer valid.'); return; }
      if (e.status === 503) { setIndicator('off', 'Face login unavailable'); await sleep(5000); continue; }
      if (e.status === 409 && query) { // the enrolment ended on the server (or here, meanwhile)
        if (S.enrol && !S.enrol.finishing) { S.enrol = null; app.closeSheet(); app.banner('The registration was interrupted. Please try again.'); }
        continue;
      }
      setIndicator('paused', 'Reconnecting');
      await sleep(e.status === 0 ? 2000 : 1000);
      continue;
    }
    S.frames++;
    S.frame = { w: grabbed.w, h: grabbed.h };
    if (r.mode === 'enrol') {
      drawEnrol(r);
      S.latencies.push(performance.now() - tSend);
      onEnrolFrame(r);
    } else {
      await onLoginFrame(r, tSend);
    }
    last = r;
    const wait = gapMs(last) - (performance.now() - t0);
    if (wait > 0) await sleep(wait);
  }
  overlay.clear();
}

function drawEnrol(r) {
  const faces = r.box ? [{ box: r.box, label: null, known: r.accepted }] : [];
  overlay.draw({ faces, fw: S.frame.w, fh: S.frame.h });
}

function normGroups(g) { // the groups' scores come in % (0..100); the bars take 0..1
  const out = {};
  for (const [k, v] of Object.entries(g || {})) out[k] = v / 100;
  return out;
}

async function onLoginFrame(r, tSend) {
  S.faces = r.faces;
  S.verdict = r.verdict;
  const wasPrivate = S.private;
  // 1. who is here, as the server says
  if (r.logged_in && r.customer && (!S.who || S.who.id !== r.customer.id)) {
    const customer = r.customer;
    await app.loggedIn(customer, 'face');
    if (r.login) app.greet(customer, 'face');
  } else if (!r.logged_in && S.who) {
    app.loggedOut(r.logout ? 'idle' : 'server');
  }
  S.private = !!(S.who && r.privacy === 'several_faces');
  if (S.private !== wasPrivate) {
    if (S.private && PERSONAL_SHEETS.has(sheetName)) app.closeSheet();
    renderBar();
    renderTab();
  }
  // 2. expressions while logged in (never shown with somebody else in view)
  if (S.who && !S.private && r.groups) {
    S.expr = { groups: normGroups(r.groups), expressions: r.expressions || {} };
    S.exprUpdates++;
  } else if (!S.who || S.private) S.expr = null;
  if (r.peaks && r.peaks.some((p) => p.group === 'frustration'))
    app.banner('Need a hand? A member of our team is nearby and happy to help.', 'help');
  // 3. the overlay
  const name = S.who && !S.private ? S.who.name : null;
  const faces = r.faces.map((f, i) => ({ box: f.box, known: !!name && i === 0,
    label: name && i === 0 && r.faces.length === 1 ? name : null }));
  overlay.draw({ faces, fw: S.frame.w, fh: S.frame.h, bars: S.expr });
  S.latencies.push(performance.now() - tSend);
  if (S.latencies.length > 2000) S.latencies.splice(0, 1000);
  // 4. an unknown face, several frames in a row: offer to register or to log in by PIN
  if (!S.who && r.verdict === 'unknown') S.unknownStreak++;
  else S.unknownStreak = 0;
  if (S.unknownStreak >= 3 && !sheetName && performance.now() > S.unknownQuietUntil) unknownSheet();
}

async function refreshState() {
  try {
    const st = await get('/mirror/state');
    S.mirror = st.mirror;
    if (st.logged_in && st.customer) { if (!S.who || S.who.id !== st.customer.id) await app.loggedIn(st.customer, 'state'); }
    else if (S.who) app.loggedOut('idle');
  } catch (e) { if (e.status === 401) unpaired('This mirror\'s pairing is no longer valid.'); }
}

// ---- pairing and the privacy notice ----

function unpaired(why) {
  forgetPairing();
  camera.stop();
  S.camera = 'off';
  S.paired = false;
  const t = $('#t-unpaired').content.cloneNode(true);
  const nodes = why ? [h('p', { class: 'error', text: why }), t] : [t];
  app.openSheet('Pair this mirror', nodes, 'unpaired');
  document.body.classList.remove('booting');
}

function notice() {
  const t = $('#t-notice').content.cloneNode(true);
  app.openSheet('Before we start: the camera', [t], 'notice');
  $('#notice-ok').addEventListener('click', () => {
    S.noticeAccepted = true;
    sheetName = null;
    app.closeSheet();
    renderBar();
    app.retryCamera();
  });
  $('#notice-nocam').addEventListener('click', () => {
    S.noticeAccepted = true;
    sheetName = null;
    app.closeSheet();
    setCamera('off');
  });
  $('#notice-ok').focus();
}

// a pairing link opened in a tab that shows the mirror already only changes the hash
window.addEventListener('hashchange', () => { if (/pair=/.test(location.hash)) location.reload(); });

async function boot() {
  setupShop();
  $('#btn-logout').addEventListener('click', logout);
  $('#btn-login').addEventListener('click', () => app.askLogin());
  $('#btn-account').addEventListener('click', accountSheet);
  window.addEventListener('resize', () => { if (S.camera !== 'on') overlay.clear(); else overlay.redraw(); });
  setIndicator('off', 'Camera off');
  if (!takePairing()) { unpaired(null); return; }
  try {
    const st = await get('/mirror/state');
    S.mirror = st.mirror;
    S.paired = true;
    if (st.logged_in && st.customer) await app.loggedIn(st.customer, 'state');
  } catch (e) {
    if (e.status === 401 || e.status === 403) { unpaired('This mirror\'s pairing is no longer valid (revoked?).'); return; }
    app.banner(e.message);
  }
  document.body.classList.remove('booting');
  renderBar();
  loadFacets().catch((e) => app.banner(e.message)).then(() => renderTab());
  $('#stage-note').hidden = false;
  $('#stage-note').replaceChildren(h('p', { text: 'The camera starts after the notice.' }));
  notice();
}

boot();
