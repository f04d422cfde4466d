// web/manager/alerts.js - the live alert feed: the list of alerts kept up to date from the
// server's event stream (GET /api/v1/alerts/stream, Server-Sent Events), a sound (WebAudio)
// and a visual cue for each new alert, the open count on the navigation.
import { api, toast } from './lib.js';

const alerts = new Map(); // id -> alert
const listeners = new Set();
let es = null;
let audio = null;
export const state = { live: false, cues: 0, lastRaised: null };

export function list() {
  return [...alerts.values()].sort((a, b) => b.id - a.id);
}
export function subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); }
function emit(note) {
  updateBadge();
  for (const fn of listeners) fn(note);
}
function updateBadge() {
  const b = document.getElementById('open-alerts');
  if (!b) return;
  const open = list().filter((a) => a.status === 'open').length;
  b.hidden = open === 0;
  b.textContent = String(open);
  b.setAttribute('aria-label', `${open} open alerts`);
}

async function reload() {
  const r = await api('/alerts?limit=200');
  alerts.clear();
  for (const a of r.alerts) alerts.set(a.id, a);
  emit({ kind: 'reload' });
}

// the browser plays sound only after a user gesture: the context is made (or resumed) then
export function unlockSound() {
  try {
    if (!audio) audio = new AudioContext();
    if (audio.state === 'suspended') audio.resume();
  } catch { /* no audio device */ }
}
function beep() {
  try {
    if (!audio) audio = new AudioContext();
    const o = audio.createOscillator(), g = audio.createGain();
    o.type = 'sine';
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.0001, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.25, audio.currentTime + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.4);
  } catch { /* no audio device */ }
}

export function start() {
  stop();
  reload().catch(() => {});
  es = new EventSource('/api/v1/alerts/stream');
  es.addEventListener('open', () => { state.live = true; emit({ kind: 'live' }); });
  es.addEventListener('error', () => { state.live = false; emit({ kind: 'live' }); });
  es.addEventListener('resync', () => { reload().catch(() => {}); });
  es.addEventListener('alert', (e) => {
    let note;
    try { note = JSON.parse(e.data); } catch { return; }
    if (!note.alert) return;
    alerts.set(note.alert.id, note.alert);
    if (note.kind === 'raised') {
      state.cues++;
      state.lastRaised = note.alert.id;
      document.body.dataset.alertCues = String(state.cues);
      beep();
      toast(`New frustration alert #${note.alert.id} at ${note.alert.location || 'the store'}`);
    }
    emit(note);
  });
}
export function stop() {
  if (es) es.close();
  es = null;
  state.live = false;
  alerts.clear();
}

// acknowledge / resolve; the answer is the alert as it is now
export async function ack(id) {
  const a = await api(`/alerts/${id}/ack`, { method: 'POST', body: {} });
  alerts.set(a.id, a);
  emit({ kind: 'acknowledged', alert: a });
  return a;
}
export async function resolve(id, note) {
  const a = await api(`/alerts/${id}/resolve`, { method: 'POST', body: { note } });
  alerts.set(a.id, a);
  emit({ kind: 'resolved', alert: a });
  return a;
}
