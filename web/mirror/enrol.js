// web/mirror/enrol.js - registration with consent, the guided three-phase face capture (the
// server judges every frame and says what to do), updating and deleting one's face data.
import { post, del } from './api.js';
import { h, $ } from './dom.js';
import { app } from './state.js';

const S = app.s;
export const CONSENT_VERSION = '2026-01';
export const CONSENT_TEXT = [
  'I agree that this store may process my face for face login at its Smart Mirrors. It keeps a few face templates ' +
  '(numbers computed from camera frames, not the photos) sealed under a key of my own, and while I am logged in it ' +
  'reads my facial expressions so that staff can come and help me.',
  'I can update or delete my face data at any time at a mirror; deleting it also withdraws this consent. ' +
  'Without this consent I can still register and log in with my e-mail and PIN.',
];

const PHASES = [
  ['straight', 'Look straight', 'Look straight into the mirror'],
  ['left', 'Turn left', 'Turn your head a little to your left'],
  ['right', 'Turn right', 'Turn your head a little to your right'],
];
const HINTS = {
  ok: 'Great: hold it there', step_in: 'Step in front of the mirror', one_person: 'Only one person please',
  move_closer: 'Move a little closer', hold_still: 'Hold still', look_straight: 'Look straight at the mirror',
  turn_more: 'Turn a little more', turn_less: 'Not quite so far', turn_other_way: 'The other way, please',
};

function consentBlock(id) {
  return h('div', { class: 'consent' },
    h('strong', { text: `Face login consent (version ${CONSENT_VERSION})` }),
    CONSENT_TEXT.map((t) => h('p', { text: t })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', id, name: 'consent' }),
      h('span', { text: 'I agree to the processing of my face as described above (optional).' })));
}

export function registerSheet() {
  const err = h('p', { class: 'error', role: 'alert' });
  const field = (label, input) => h('label', { class: 'field' }, h('span', { text: label }), input);
  const form = h('form', { id: 'register-form', novalidate: true },
    field('Name', h('input', { name: 'name', autocomplete: 'name', required: true, maxlength: 63 })),
    field('E-mail', h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true, maxlength: 95 })),
    h('div', { class: 'row' },
      field('Gender', h('select', { name: 'gender' }, h('option', { value: 'female', text: 'Female' }),
        h('option', { value: 'male', text: 'Male' }), h('option', { value: 'other', text: 'Other' }))),
      field('Clothing size', h('select', { name: 'size' }, ['XS', 'S', 'M', 'L', 'XL', 'XXL'].map((s) =>
        h('option', { value: s, text: s, selected: s === 'M' }))))),
    field('PIN for logging in without the camera (4 to 8 digits, optional)',
      h('input', { name: 'pin', inputmode: 'numeric', pattern: '[0-9]{4,8}', maxlength: 8, autocomplete: 'off' })),
    consentBlock('consent'),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary big' }, 'Register'),
      h('button', { type: 'button', class: 'ghost big', onclick: () => app.closeSheet() }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const consent = $('#consent', form).checked;
    const pin = String(f.get('pin') || '').trim();
    if (pin && !/^[0-9]{4,8}$/.test(pin)) { err.textContent = 'A PIN has 4 to 8 digits.'; return; }
    const body = { name: String(f.get('name')).trim(), email: String(f.get('email')).trim(), gender: f.get('gender'),
      size: f.get('size'), biometric_consent: consent };
    if (consent) body.consent_version = CONSENT_VERSION;
    if (pin) body.pin = pin;
    form.querySelector('[type=submit]').disabled = true;
    try {
      const r = await post('/mirror/register', body);
      await app.loggedIn(r.customer, 'register');
      if (consent) await startCapture();
      else app.greet(r.customer, 'register');
    } catch (x) {
      err.textContent = x.message;
      form.querySelector('[type=submit]').disabled = false;
    }
  });
  app.openSheet('Register', [h('p', { class: 'muted', text: 'Your details for your cart, offers and receipts. Face login is optional.' }), form]);
}

// ---- the guided capture ----

export async function startCapture() {
  if (!S.who) return;
  if (S.camera !== 'on') {
    app.openSheet('Face registration', [h('p', { class: 'lead', text: 'The camera is needed to register your face.' }),
      h('p', { text: S.cameraProblem ? S.cameraProblem.text : 'Start the camera first.' }),
      h('div', { class: 'actions' }, h('button', { class: 'primary big', onclick: () => { app.retryCamera(); app.closeSheet(); } }, 'Try the camera again'),
        h('button', { class: 'ghost big', onclick: () => app.closeSheet() }, 'Not now'))]);
    return;
  }
  try {
    const r = await post('/mirror/enrol/start', { customer_id: S.who.id });
    S.enrol = { customer: S.who.id, phase: 'straight', progress: r.progress, hint: null, finishing: false };
    captureSheet();
  } catch (e) {
    if (e.status === 409 && /consent/.test(e.message)) consentSheet();
    else app.banner(e.message);
  }
}

function captureSheet() {
  const phases = h('div', { class: 'phases' }, PHASES.map(([k, label]) => h('div', { class: 'phase', 'data-phase': k },
    h('div', { text: label }), h('div', { class: 'bar' }, h('span')), h('div', { class: 'muted n', text: '0 / 3' }))));
  app.openSheet('Registering your face', [
    h('p', { class: 'muted', text: 'Three short steps. Hold each pose until its bar is full.' }),
    phases,
    h('div', { class: 'guide', id: 'capture-guide' }),
    h('div', { class: 'hint', id: 'capture-hint', 'aria-live': 'polite' }),
    h('div', { class: 'actions' }, h('button', { class: 'ghost big', onclick: cancelCapture }, 'Cancel'))]);
  updateCapture();
}

function updateCapture() {
  const e = S.enrol;
  if (!e) return;
  const keep = e.progress.keep || 3;
  for (const [k] of PHASES) {
    const el = document.querySelector(`.phase[data-phase=${k}]`);
    if (!el) continue;
    const n = Math.min(keep, e.progress[k] || 0);
    el.classList.toggle('active', e.phase === k);
    el.classList.toggle('done', n >= keep);
    el.querySelector('.bar span').style.width = `${(100 * n) / keep}%`;
    el.querySelector('.n').textContent = `${n} / ${keep}`;
  }
  const guide = $('#capture-guide'), hint = $('#capture-hint');
  if (guide) guide.textContent = e.finishing ? 'Saving…' : PHASES.find(([k]) => k === e.phase)[2];
  if (hint) hint.textContent = e.finishing ? '' : HINTS[e.hint] || '';
}

// the server's verdict on a capture frame
export async function onEnrolFrame(r) {
  const e = S.enrol;
  if (!e || e.finishing) return;
  e.progress = r.progress;
  e.hint = r.hint || (r.accepted ? 'ok' : 'step_in');
  const keep = r.progress.keep || 3;
  const next = PHASES.find(([k]) => (r.progress[k] || 0) < keep);
  if (next) e.phase = next[0];
  updateCapture();
  if (!next) {
    e.finishing = true;
    updateCapture();
    try {
      const f = await post('/mirror/enrol/finish');
      S.enrol = null;
      app.openSheet('All set', [h('p', { class: 'greeting', text: `Thank you, ${S.who ? S.who.name : ''}!` }),
        h('p', { class: 'lead center', id: 'enrol-done', text: `Your face is registered (${f.templates} templates). Next time, just look into the mirror to log in.` }),
        h('div', { class: 'actions' }, h('button', { class: 'primary big', onclick: () => app.closeSheet() }, 'Start shopping'))], 'enrolled');
    } catch (x) {
      S.enrol = null;
      app.closeSheet();
      app.banner(`Your face could not be registered: ${x.message}`);
    }
  }
}

async function cancelCapture() {
  S.enrol = null;
  try { await post('/mirror/enrol/cancel'); } catch { /* gone anyway */ }
  app.closeSheet();
}

function consentSheet() {
  const err = h('p', { class: 'error', role: 'alert' });
  const go = h('button', { class: 'primary big', onclick: async () => {
    if (!$('#consent-again').checked) { err.textContent = 'Tick the box to agree, or cancel.'; return; }
    try { await post('/mirror/consent', { consent_version: CONSENT_VERSION }); await startCapture(); }
    catch (x) { err.textContent = x.message; }
  } }, 'Continue');
  app.openSheet('Face login needs your consent', [consentBlock('consent-again'), err,
    h('div', { class: 'actions' }, go, h('button', { class: 'ghost big', onclick: () => app.closeSheet() }, 'Cancel'))]);
}

// ---- my face data ----

export function accountSheet() {
  if (!S.who) return;
  app.openSheet('My face data', [
    h('p', { class: 'lead', text: 'Face login uses a few templates computed from your registration frames. No photos are kept.' }),
    h('div', { class: 'actions' },
      h('button', { class: 'primary big', id: 'btn-update-face', onclick: startCapture }, 'Update my face photos'),
      h('button', { class: 'danger big', id: 'btn-delete-face', onclick: confirmDelete }, 'Delete my face data'),
      h('button', { class: 'ghost big', onclick: () => app.closeSheet() }, 'Close'))], 'account');
}

function confirmDelete() {
  app.openSheet('Delete your face data?', [
    h('p', { class: 'lead', text: 'Every face template of yours is deleted and your consent withdrawn. The mirror will no longer recognise you.' }),
    h('p', { text: 'You can still log in with your e-mail and PIN, and register your face again later.' }),
    h('div', { class: 'actions' },
      h('button', { class: 'danger big', id: 'btn-delete-confirm', onclick: async () => {
        try {
          const r = await del('/mirror/face');
          app.openSheet('Face data deleted', [h('p', { class: 'lead', id: 'delete-done', text: r.erasure === 'nothing'
            ? 'There was no face data to delete.'
            : `Deleted: ${r.templates_deleted} face templates. The mirror will not recognise you any more.` }),
          h('div', { class: 'actions' }, h('button', { class: 'primary big', onclick: () => app.closeSheet() }, 'OK'))]);
        } catch (x) { app.closeSheet(); app.banner(x.message); }
      } }, 'Yes, delete it'),
      h('button', { class: 'ghost big', onclick: () => app.closeSheet() }, 'Keep it'))], 'delete');
}
