// web/manager/heatmap.js - Heatmaps: the floor plan with its zones and the heat overlay (the
// JSON grid of GET /heatmap as an ECharts heatmap), for the whole store, one customer or one
// time window; the zone table (visits, mean dwell, conversion); hovering shows the value.
import { api, h, card, kpis, table, chart, empty, int, pct, seconds, HEAT } from './lib.js';

const MODES = [['store', 'Whole store'], ['customer', 'One customer'], ['window', 'Time window']];
const zoneName = (n) => n.replace(/_/g, ' ');
// a datetime-local value (browser time) as an ISO UTC time for the API, seconds precision
const iso = (v) => new Date(v).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function render({ params, go }) {
  const mode = MODES.some(([m]) => m === params.get('mode')) ? params.get('mode') : 'store';
  const cust = params.get('customer');
  const wf = params.get('wfrom'), wt = params.get('wto');
  const q = new URLSearchParams(); // the default quarter-metre cells: the engine keeps daily grids of them
  let who = null;
  if (mode === 'customer' && cust) q.set('customer', cust);
  if (mode === 'window') { if (wf) q.set('from', iso(wf)); if (wt) q.set('to', iso(wt)); }
  const controls = h('div.row',
    h('span', { role: 'group', 'aria-label': 'Heatmap of' }, MODES.map(([m, label]) =>
      h('button', { type: 'button', 'aria-pressed': String(m === mode), dataset: { mode: m },
        onclick: () => { params.set('mode', m); go(params); } }, label))),
    mode === 'customer' ? h('form.inline#heat-customer', { onsubmit: (e) => { e.preventDefault(); params.set('customer', e.target.elements.c.value); go(params); } },
      h('label', 'Customer number', h('input', { name: 'c', type: 'number', min: 1, required: true, value: cust || '', style: 'width:7rem' })),
      h('button', { type: 'submit' }, 'Show')) : null,
    mode === 'window' ? h('form.inline#heat-window', { onsubmit: (e) => { e.preventDefault(); params.set('wfrom', e.target.elements.f.value); params.set('wto', e.target.elements.t.value); go(params); } },
      h('label', 'From', h('input', { name: 'f', type: 'datetime-local', required: true, value: wf || '' })),
      h('label', 'To', h('input', { name: 't', type: 'datetime-local', required: true, value: wt || '' })),
      h('button', { type: 'submit' }, 'Show')) : null);
  if ((mode === 'customer' && !cust) || (mode === 'window' && !(wf && wt)))
    return h('div', card('Floor plan', { tools: controls }, empty(mode === 'customer' ? 'Choose a customer by number' : 'Choose a time window')));
  const [hm, c] = await Promise.all([
    api('/heatmap?' + q.toString()),
    mode === 'customer' ? api(`/customers/${encodeURIComponent(cust)}`).catch(() => null) : null,
  ]);
  who = c && c.customer;
  const what = mode === 'customer' ? `customer #${cust}${who ? ' ' + who.name : ''}` : mode === 'window' ? `${new Date(wf).toLocaleString()} – ${new Date(wt).toLocaleString()}` : 'the whole store';
  const cards = kpis([
    { id: 'positions', k: 'Positions', v: int(hm.positions) },
    { id: 'sessions', k: 'Sessions', v: int(hm.sessions) },
    { id: 'hottest', k: 'Hottest cell', v: seconds(hm.max || 0), s: `per ${hm.cell} m square` },
  ]);
  const zoneTable = table([
    { key: 'name', label: 'Zone', fmt: zoneName },
    { key: 'visits', label: 'Visits', num: true, fmt: int },
    { key: 'sessions', label: 'Sessions', num: true, fmt: int },
    { key: 'mean_dwell_s', label: 'Mean dwell', num: true, fmt: seconds },
    { key: 'dwell_s', label: 'Total dwell', num: true, fmt: seconds },
    { key: 'conversion', label: 'Conversion', num: true, fmt: pct },
  ], hm.zones, { sort: 'visits', id: 'zones' });
  if (!hm.positions)
    return h('div', card(`Floor plan: ${what}`, { tools: controls }, empty('No movements recorded here')), card('Zones', zoneTable));

  const data = [];
  hm.values.forEach((row, y) => row.forEach((v, x) => data.push([x, y, v])));
  const W = hm.width, H = hm.height;
  const plan = chart(h('div.chart', { style: 'height:480px', 'aria-label': `Heatmap of ${what}`, role: 'img' }), (div) => {
    // one square per cell: the floor keeps its proportions
    const left = 50, top = 12, right = 110, bottom = 40;
    const k = Math.min((div.clientWidth - left - right) / W, (div.clientHeight - top - bottom) / H);
    const gw = k * W, gh = k * H;
    const box = { left, top, width: gw, height: gh };
    return {
      tooltip: {
        formatter: (p) => {
          if (p.seriesType === 'heatmap') {
            const [x, y, v] = p.data;
            return `${(x * hm.cell).toFixed(1)}–${((x + 1) * hm.cell).toFixed(1)} m × ${(y * hm.cell).toFixed(1)}–${((y + 1) * hm.cell).toFixed(1)} m<br><b>${seconds(v)}</b> spent here`;
          }
          const z = hm.zones.find((zz) => zz.name === p.name);
          return z ? `<b>${zoneName(z.name)}</b><br>${int(z.visits)} visits, mean dwell ${seconds(z.mean_dwell_s)}, conversion ${pct(z.conversion)}` : p.name;
        },
      },
      grid: [box, box],
      xAxis: [
        { type: 'category', data: hm.values[0].map((_, i) => i), gridIndex: 0, show: false },
        { type: 'value', min: 0, max: W, gridIndex: 1, name: 'metres', nameLocation: 'middle', nameGap: 24, interval: 2 },
      ],
      yAxis: [
        { type: 'category', data: hm.values.map((_, i) => i), gridIndex: 0, show: false },
        { type: 'value', min: 0, max: H, gridIndex: 1, interval: 2 },
      ],
      visualMap: { min: 0, max: hm.max || 1, calculable: true, orient: 'vertical', left: left + gw + 20, top: top + 10,
        itemHeight: Math.max(100, gh - 60), inRange: { color: HEAT }, formatter: (v) => seconds(v) },
      series: [
        { type: 'heatmap', data, xAxisIndex: 0, yAxisIndex: 0, progressive: 0 },
        { type: 'scatter', zlevel: 1, z: 10, xAxisIndex: 1, yAxisIndex: 1, symbolSize: 1, itemStyle: { color: 'transparent' },
          data: hm.zones.map((z) => ({ name: z.name, value: [(z.x0 + z.x1) / 2, (z.y0 + z.y1) / 2] })),
          label: { show: true, formatter: (p) => zoneName(p.name), color: '#1d1d1f', fontWeight: 600,
            backgroundColor: '#ffffffcc', padding: [2, 4], borderRadius: 3 } },
        // the zones' outlines, one closed line each
        ...hm.zones.map((z) => ({ type: 'line', xAxisIndex: 1, yAxisIndex: 1, silent: true, showSymbol: false, zlevel: 1,
          lineStyle: { color: '#000', width: 2 }, data: [[z.x0, z.y0], [z.x1, z.y0], [z.x1, z.y1], [z.x0, z.y1], [z.x0, z.y0]] })),
      ],
    };
  });
  return h('div', cards,
    h('div.grid.wide-left',
      card(`Floor plan: ${what}`, { tools: controls }, plan,
        h('p.note', 'Seconds spent per quarter-metre square, smoothed; the entrance is at the bottom. Zone outlines in black; hover a square or a zone for its numbers.')),
      card('Zones', h('div.scroll', zoneTable))));
}
