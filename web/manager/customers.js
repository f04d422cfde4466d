// web/manager/customers.js - Customer profiles: KPI cards, top 10 spenders, category and fabric
// preferences, the segments (purchases vs spend, coloured by segment, each centre in words),
// and a search: a customer's profile, purchases and recommendations.
import { moneyShort } from './lib.js';
import { api, h, card, kpis, table, chartDiv, empty, money, int, num1, pct, datetime, confirmBox, toast, session, OKABE_ITO } from './lib.js';

const segColour = (i) => OKABE_ITO[i % OKABE_ITO.length];

export async function render({ params, go }) {
  const cid = params.get('customer');
  const q = params.get('q') || '';
  // the segments (as of their last training or update) and the scatter: asked in parallel
  // with the rest, drawn into their card when they come
  const segsP = Promise.all([
    api('/segments').catch((e) => (e.status === 404 ? null : Promise.reject(e))),
    api('/segments/points').catch((e) => (e.status === 404 ? null : Promise.reject(e))),
  ]);
  segsP.catch(() => {}); // (handled below)
  const [sum, found, detail] = await Promise.all([
    api('/profiles/summary'),
    q ? api('/customers?' + new URLSearchParams({ q, limit: 50 })) : null,
    cid ? customerDetail(cid) : null,
  ]);
  let segs = null;
  const cards = kpis([
    { id: 'customers', k: 'Customers', v: int(sum.customers), s: `${int(sum.buyers)} have bought` },
    { id: 'avg_spend', k: 'Average spend', v: money(sum.avg_spend_cents), s: 'per buyer' },
    { id: 'avg_purchases', k: 'Average purchases', v: num1(sum.avg_purchases), s: `${num1(sum.avg_items)} items` },
    { id: 'avg_discount', k: 'Average discount', v: pct(sum.avg_discount) },
  ]);
  const segName = (i) => (segs ? (segs.segments.find((s) => s.id === i) || {}).label || `segment ${i}` : `segment ${i}`);
  const spenders = table([
    { key: 'name', label: 'Customer' },
    { key: 'purchases', label: 'Purchases', num: true, fmt: int },
    { key: 'items', label: 'Items', num: true, fmt: int },
    { key: 'spend_cents', label: 'Spend', num: true, fmt: money },
    { key: 'mean_discount', label: 'Discount', num: true, fmt: pct },
    { key: 'segment', label: 'Segment', fmt: (v) => (v === null || v === undefined ? '–' : segName(v)) },
  ], sum.top_spenders.slice(0, 10), { sort: 'spend_cents', id: 'top-spenders', onRow: (r) => { params.set('customer', r.id); go(params); } });

  const pref = (key, title) => {
    const list = sum.preferences[key] || [];
    return card(title, list.length === 0 ? empty('No buyers yet') : chartDiv({
      tooltip: { trigger: 'item', formatter: (p) => `${p.name}: ${int(p.data.customers)} customers (${pct(p.data.share)}), spend ${money(p.data.spend)}` },
      grid: { left: 75, right: 50, top: 5, bottom: 5 },
      xAxis: { type: 'value', show: false },
      yAxis: { type: 'category', inverse: true, data: list.map((x) => x.key) },
      series: [{ type: 'bar', barMaxWidth: 26, data: list.map((x, i) => ({ value: x.customers, customers: x.customers, share: x.share, spend: x.spend_cents, itemStyle: { color: OKABE_ITO[i % 8] } })),
        label: { show: true, position: 'right', formatter: (p) => pct(p.data.share) } }],
    }, 'short'));
  };

  // a manager folds the sales and customers since the last assignment in (a few seconds on a
  // big store: every customer's profile is written again)
  const updateSegments = async (e) => {
    if (!(await confirmBox('Assign every customer again with the sales since the last update? Every profile is rewritten; on a big store this takes a few seconds.', 'Update'))) return;
    e.target.disabled = true;
    try {
      const s = await api('/segments/update', { method: 'POST', body: {} });
      toast(`Segments updated: ${int(s.assigned)} customers assigned`);
      go(params);
    } catch (err) { toast(`Cannot update the segments: ${err.message}`); e.target.disabled = false; }
  };
  const segCard = card('Segments', h('p.loading', 'Loading the segments…'));
  const drawSegments = (pts) => {
    let c;
    if (!segs || !pts) c = card('Segments', empty('No segments trained yet: run `shopper train segments`'));
    else {
      const series = segs.segments.map((s) => ({
        name: s.label, type: 'scatter', symbolSize: 8, itemStyle: { color: segColour(s.id), opacity: 0.75 },
        symbol: ['circle', 'rect', 'triangle', 'diamond', 'pin', 'arrow', 'roundRect'][s.id % 7],
        data: pts.points.filter((p) => p.segment === s.id).map((p) => [p.purchases, p.spend_cents, p.id]),
      }));
      series.push({ name: 'centres', type: 'scatter', symbol: 'path://M0,-10L2,-2L10,0L2,2L0,10L-2,2L-10,0L-2,-2Z', symbolSize: 22,
        itemStyle: { color: '#000' }, data: segs.segments.map((s) => ({ value: [s.centre.purchases, s.centre.spend_cents], name: s.label })),
        tooltip: { formatter: (p) => `centre of <b>${p.name}</b>` } });
      c = card('Segments: purchases vs spend', chartDiv({
        legend: { top: 0, data: segs.segments.map((s) => s.label) },
        tooltip: { trigger: 'item', formatter: (p) => (p.seriesName === 'centres' ? `centre of <b>${p.name}</b>` : `customer #${p.data[2]} (${p.seriesName})<br>${int(p.data[0])} purchases, ${money(p.data[1])}`) },
        grid: { left: 80, right: 20, top: 50, bottom: 40 },
        xAxis: { type: 'value', name: 'purchases', nameLocation: 'middle', nameGap: 25, minInterval: 1 },
        yAxis: { type: 'value', name: 'spend', axisLabel: { formatter: (v) => moneyShort(v) } },
        series,
      }, 'tall'),
      h('p.note', pts.sampled ? `A sample of ${int(pts.points.length)} of ${int(pts.total)} customers.` : `${int(pts.total)} customers; the black stars are the segments' centres.`),
      h('p.note#segments-as-of', segs.assigned_at ? `Members as of ${datetime(segs.assigned_at)} (the last training or update)` +
        (segs.unassigned ? `; ${int(segs.unassigned)} customers registered since are in no segment yet.` : '. Sales since then move nobody until the next update.') : '',
        session.role === 'manager' ? h('button#segments-update', { type: 'button', style: 'margin-left:.5rem', onclick: updateSegments }, 'Update the segments') : null),
      h('ul.seg-list#segments', segs.segments.map((s) => h('li', h('span.swatch', { style: `background:${segColour(s.id)}` }),
        h('b', s.label), ` · ${int(s.customers)} customers: `, describe(s.centre)))));
    }
    segCard.replaceChildren(...c.childNodes); // (this card may not be on the page yet)
  };
  segsP.then(([s2, p2]) => { segs = s2; spenders.setRows(sum.top_spenders.slice(0, 10)); drawSegments(p2); },
    (e) => segCard.replaceChildren(h('p.error', `Cannot show the segments: ${e.message}`)));

  const search = h('form.inline#customer-search', { role: 'search', onsubmit: (e) => { e.preventDefault(); params.set('q', e.target.elements.q.value); params.delete('customer'); go(params); } },
    h('label', 'Name or e-mail', h('input', { name: 'q', type: 'search', value: q, maxLength: 100, style: 'width:16rem' })),
    h('button', { type: 'submit' }, 'Search'));
  const results = found ? (found.customers.length === 0 ? empty('No customer matches') : h('div.scroll', { style: 'max-height:220px' }, table([
    { key: 'id', label: '#', num: true },
    { key: 'name', label: 'Name' },
    { key: 'email', label: 'E-mail' },
    { key: 'last_seen_at', label: 'Last seen', fmt: datetime },
  ], found.customers, { sort: 'name', desc: false, id: 'search-results', onRow: (r) => { params.set('customer', r.id); go(params); } }))) : null;

  const noProfiles = sum.customers === 0
    ? h('p.banner', { style: 'background:#7a5300' }, 'No customer profiles yet: they are built by `shopper train segments`.') : null;
  return h('div', noProfiles, cards,
    h('div.grid.wide-left', card('Top 10 spenders', h('div.scroll', spenders)), h('div', { style: 'display:grid;gap:.8rem' }, pref('category', 'Preferred category of buyers'), pref('fabric', 'Preferred fabric of buyers'))),
    h('div.grid.wide-left', segCard, card('Find a customer', search, results, detail)),
  );
}

// a segment's centre in words, money in the shop's currency
function describe(c) {
  const parts = [`${num1(c.purchases)} purchases (${num1(c.items)} items)`, `spends ${money(c.spend_cents)}`];
  if (c.purchases >= 0.5) parts.push(`average item ${money(c.mean_price_cents)}`, `${pct(c.mean_discount)} average discount`);
  parts.push(`${num1(c.times_tried)} items tried`);
  if (c.top_category) parts.push(`mostly ${c.top_category} in ${c.top_fabric}, size ${c.top_size}`);
  return parts.join(', ');
}

async function customerDetail(id) {
  let ov, rec;
  try {
    [ov, rec] = await Promise.all([api(`/customers/${encodeURIComponent(id)}/overview`), api(`/customers/${encodeURIComponent(id)}/recommendations`)]);
  } catch (e) {
    if (e.status === 404 || e.status === 400) return h('p.error', e.message);
    throw e;
  }
  const c = ov.customer, p = ov.profile || {};
  const lines = [];
  for (const pu of ov.purchases.purchases) for (const l of pu.lines) lines.push({ at: pu.at, ...l });
  return h('div#customer-profile',
    h('h3', `${c.name} (#${c.id})`),
    h('p.muted', `${c.email} · size ${c.size || '–'} · customer since ${datetime(c.created_at)} · last seen ${datetime(c.last_seen_at)}`),
    kpis([
      { k: 'Purchases', v: int(p.purchases ?? 0), s: `${int(p.items ?? 0)} items` },
      { k: 'Spend', v: money(p.spend_cents ?? 0) },
      { k: 'Average discount', v: pct(p.mean_discount ?? 0) },
      { k: 'Prefers', v: p.pref_category || '–', s: [p.pref_fabric, p.pref_size].filter(Boolean).join(', ') },
    ]),
    h('h3', `Purchases (${int(ov.purchases.total)})`),
    lines.length === 0 ? empty('No purchases yet') : h('div.scroll', { style: 'max-height:200px' }, table([
      { key: 'at', label: 'When', fmt: datetime, sort: (r) => r.at },
      { key: 'name', label: 'Product' },
      { key: 'size', label: 'Size' },
      { key: 'price_cents', label: 'Paid', num: true, fmt: money },
      { key: 'discount', label: 'Discount', num: true, fmt: pct },
    ], lines, { sort: 'at', id: 'customer-purchases' })),
    h('h3', 'Recommendations'),
    rec.recommendations.length + rec.promotions.length === 0 ? empty('No recommendations') : table([
      { key: 'name', label: 'Product' },
      { key: 'kind', label: 'Kind' },
      { key: 'offer', label: 'Offer', sort: (r) => r.discount || 0 },
      { key: 'reason', label: 'Why' },
    ], [...rec.promotions.map((x) => ({ ...x, kind: 'promotion', offer: `${pct(x.discount)} off: ${money(x.price_cents)}` })),
      ...rec.recommendations.map((x) => ({ ...x, kind: 'recommended', offer: '' }))], { id: 'customer-recommendations' }));
}
