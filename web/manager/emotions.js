// web/manager/emotions.js - Emotions & alerts: KPI cards (frustration alerts, dominant emotion,
// mean intensity), a session's emotional journey (one line per group), the distribution, and
// the live alert feed (alerts.js) where staff acknowledge and resolve with a note.
import { api, query, h, card, kpis, table, chartDiv, empty, int, num1, pct, datetime, EMOTION_COLOURS, OKABE_ITO, toast } from './lib.js';
import * as alerts from './alerts.js';

const GROUPS = ['frustration', 'happiness', 'surprise'];
const EMOTIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];

// the KPI cards of an /emotions answer
function emotionCards(em) {
  const alertCount = em.alerts.open + em.alerts.acknowledged + em.alerts.resolved;
  return kpis([
    { id: 'frustration_alerts', k: 'Frustration alerts', v: int(alertCount), s: `${int(em.alerts.open)} open, ${int(em.alerts.acknowledged)} acknowledged` },
    { id: 'dominant', k: 'Dominant emotion', v: em.events ? em.dominant_emotion : '–', s: `${int(em.events)} emotion peaks` },
    { id: 'mean_intensity', k: 'Mean intensity', v: em.events ? `${num1(em.mean_intensity)} / 100` : '–' },
    ...GROUPS.map((g) => ({ id: g, k: g[0].toUpperCase() + g.slice(1), v: int(em.by_group[g] || 0), s: 'peaks' })),
  ]);
}

export async function render({ range, params, go, token }) {
  const sid = params.get('session');
  const [em, sessions, journey] = await Promise.all([
    api('/emotions' + query(range)),
    api('/emotions/sessions' + query(range, { limit: 50 })),
    sid ? api(`/sessions/${encodeURIComponent(sid)}/emotions`).catch((e) => (e.status === 404 ? null : Promise.reject(e))) : null,
  ]);
  const cards = h('div', emotionCards(em));

  const dist = em.events === 0 ? empty('No emotions recorded in this range') : chartDiv({
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: (ps) => `${ps[0].name}: ${pct(ps[0].value)} of the time` },
    grid: { left: 80, right: 50, top: 10, bottom: 25 },
    xAxis: { type: 'value', axisLabel: { formatter: (v) => pct(v) } },
    yAxis: { type: 'category', inverse: true, data: EMOTIONS },
    series: [{ type: 'bar', data: EMOTIONS.map((e, i) => ({ value: em.distribution[e] || 0, itemStyle: { color: OKABE_ITO[i % 8] } })),
      label: { show: true, position: 'right', formatter: (p) => pct(p.value) } }],
  });

  const sessTable = sessions.sessions.length === 0 ? empty('No sessions with emotions in this range') : h('div.scroll', { style: 'max-height:230px' }, table([
    { key: 'session_id', label: 'Session', num: true },
    { key: 'customer_name', label: 'Customer' },
    { key: 'first_at', label: 'When', fmt: datetime },
    { key: 'events', label: 'Peaks', num: true, fmt: int },
    { key: 'frustration', label: 'Frustration', num: true, sort: (r) => r.by_group.frustration, fmt: (v, r) => int(r.by_group.frustration) },
  ], sessions.sessions, { sort: 'events', id: 'emotion-sessions', rowClass: (r) => (String(r.session_id) === sid ? 'selected' : ''),
    onRow: (r) => { params.set('session', r.session_id); go(params); } }));
  let journeyView;
  if (!sid) journeyView = empty('Choose a session below to see its emotional journey');
  else if (!journey) journeyView = empty(`No session #${sid}`);
  else if (journey.total === 0) journeyView = empty(`No emotions recorded in session #${sid}`);
  else {
    const at = journey.series.at.map((t) => new Date(t).getTime());
    journeyView = chartDiv({
      legend: { top: 0 },
      tooltip: { trigger: 'axis', valueFormatter: (v) => num1(v) },
      grid: { left: 45, right: 20, top: 30, bottom: 30 },
      xAxis: { type: 'time', axisLabel: { formatter: (v) => new Date(v).toLocaleTimeString() } },
      yAxis: { type: 'value', min: 0, max: 100, name: 'intensity' },
      series: GROUPS.map((g, i) => ({ name: g, type: 'line', showSymbol: true,
        symbol: ['triangle', 'circle', 'rect'][i], symbolSize: 8,
        lineStyle: { color: EMOTION_COLOURS[g], width: 2, type: ['solid', 'solid', 'dashed'][i] },
        itemStyle: { color: EMOTION_COLOURS[g] },
        data: journey.series[g].map((v, k) => [at[k], v]) })),
    });
  }

  // the live feed
  const feed = h('ul.feed#alert-feed', { 'aria-live': 'polite' });
  const live = h('span.live');
  const drawFeed = (note) => {
    live.className = 'live ' + (alerts.state.live ? 'on' : 'off');
    live.textContent = alerts.state.live ? 'live' : 'reconnecting…';
    const list = alerts.list().sort((a, b) => (a.status === 'resolved') - (b.status === 'resolved') || b.id - a.id).slice(0, 60);
    if (list.length === 0) { feed.replaceChildren(h('li.muted', 'No alerts')); return; }
    // notes being written survive a redraw, and so does the focus
    const typed = {};
    for (const i of feed.querySelectorAll('li[data-alert] input')) typed[i.closest('li').dataset.alert] = i.value;
    const focused = document.activeElement && feed.contains(document.activeElement) ? document.activeElement.closest('li').dataset.alert : null;
    feed.replaceChildren(...list.map((a) => alertItem(a, note && note.kind === 'raised' && note.alert.id === a.id)));
    for (const li of feed.querySelectorAll('li[data-alert]')) {
      const i = li.querySelector('input');
      if (i && typed[li.dataset.alert]) i.value = typed[li.dataset.alert];
      if (i && focused === li.dataset.alert) i.focus();
    }
  };
  // the cards count the alerts too: a live alert raised, acknowledged or resolved moves them
  let cardsAsked = 0;
  const refreshCards = async () => {
    const n = ++cardsAsked;
    try {
      const fresh = await api('/emotions' + query(range));
      if (n === cardsAsked && cards.isConnected) cards.replaceChildren(emotionCards(fresh));
    } catch { /* the feed says when the connection is gone */ }
  };
  const unsub = alerts.subscribe((note) => {
    drawFeed(note);
    if (note && note.alert) refreshCards();
  });
  const watch = setInterval(() => { if (!feed.isConnected && !token()) { unsub(); clearInterval(watch); } }, 2000);
  drawFeed(null);

  return h('div', cards,
    h('div.grid.wide-left',
      h('div',
        card('Emotional journey' + (sid && journey ? ` of session #${sid}${journey.session.customer_id ? '' : ''}` : ''), journeyView, sessTable),
        h('div', { style: 'height:.8rem' }),
        card('Distribution of emotions', dist)),
      card('Live alerts', { tools: live }, feed)));
}

function alertItem(a, fresh) {
  const note = h('input', { type: 'text', placeholder: 'What was done (note)', maxLength: 500, 'aria-label': `Note for alert ${a.id}` });
  const act = async (fn, okText) => {
    try { await fn(); toast(okText); } catch (e) { toast(`Cannot: ${e.message}`); }
  };
  return h(`li.${a.status}${fresh ? '.fresh' : ''}`, { dataset: { alert: a.id, status: a.status } },
    h('div.row', h('span.tag.' + a.status, a.status), h('b', `Frustration at ${a.location || 'the store'}`),
      h('span.muted', datetime(a.created_at)), a.customer ? h('span.muted', `customer #${a.customer}`) : null),
    a.status === 'resolved'
      ? h('div.muted', `Resolved by ${a.resolved_by} ${datetime(a.resolved_at)}: ${a.note || ''}`)
      : h('div.actions',
        a.status === 'open' ? h('button', { type: 'button', className: 'ack', onclick: () => act(() => alerts.ack(a.id), `Alert #${a.id} acknowledged`) }, 'Acknowledge')
          : h('span.muted', `acknowledged by ${a.acknowledged_by}`),
        note,
        h('button.primary', { type: 'button', className: 'primary resolve', onclick: () => {
          if (!note.value.trim()) { note.focus(); toast('Write a note first'); return; }
          act(() => alerts.resolve(a.id, note.value.trim()), `Alert #${a.id} resolved`);
        } }, 'Resolve')));
}
