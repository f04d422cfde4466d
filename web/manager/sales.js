// web/manager/sales.js - Sales & products: KPI cards, revenue and units over time, top and
// worst products, sales by category / fabric / gender / season, for the chosen date range.
import { moneyShort } from './lib.js';
import { api, query, h, card, kpis, table, chartDiv, empty, money, int, pct, day, OKABE_ITO } from './lib.js';

const BY = ['category', 'fabric', 'gender', 'season'];

export async function render({ range, params }) {
  let by = BY.includes(params.get('by')) ? params.get('by') : 'category';
  // two calls in parallel: the KPI object (cards, top and worst, sales by every attribute,
  // from the daily aggregates) and the daily series
  const [k, daily] = await Promise.all([
    api('/kpi' + query(range, { top: 10 })),
    api('/sales/daily' + query(range)),
  ]);
  const none = k.items_sold === 0;
  const cards = kpis([
    { id: 'items_sold', k: 'Items sold', v: int(k.items_sold), s: `${int(k.purchases)} purchases` },
    { id: 'revenue', k: 'Revenue', v: money(k.revenue_cents) },
    { id: 'avg_item_price', k: 'Average item price', v: money(k.avg_item_price_cents) },
    { id: 'avg_basket', k: 'Average basket', v: money(k.avg_basket_cents) },
    { id: 'conversion', k: 'Conversion', v: pct(k.conversion), s: `${int(k.sessions)} sessions` },
  ]);
  if (none) {
    return h('div', cards, empty('No sales in this range'));
  }
  const days = daily.days;
  const overTime = chartDiv({
    color: [OKABE_ITO[0], OKABE_ITO[1]],
    tooltip: { trigger: 'axis',
      formatter: (ps) => `${ps[0].axisValueLabel}<br>` + ps.map((p) => `${p.marker}${p.seriesName}: ${p.seriesIndex === 0 ? money(p.value) : int(p.value)}`).join('<br>') },
    legend: { top: 0 },
    grid: { left: 70, right: 50, top: 30, bottom: 30 },
    xAxis: { type: 'category', data: days.map((d) => day(d.date)) },
    yAxis: [
      { type: 'value', name: 'Revenue', axisLabel: { formatter: (v) => moneyShort(v) } },
      { type: 'value', name: 'Units', splitLine: { show: false }, minInterval: 1 },
    ],
    series: [
      { name: 'Revenue', type: 'line', data: days.map((d) => d.revenue_cents), showSymbol: days.length < 40 },
      { name: 'Units', type: 'bar', yAxisIndex: 1, data: days.map((d) => d.units), barMaxWidth: 18, itemStyle: { opacity: 0.6 } },
    ],
  }, 'tall');

  // sales by an attribute: switched here, without asking the server again
  const byBody = h('div');
  const drawBy = () => {
    const groups = (k.sales_by[by] || []).map((g) => ({ ...g, share: k.revenue_cents ? g.revenue_cents / k.revenue_cents : 0 }));
    const label = by[0].toUpperCase() + by.slice(1);
    byBody.replaceChildren(
      groups.length === 0 ? empty('No sales in this range') : chartDiv({
        tooltip: { trigger: 'item', formatter: (p) => `${p.name}: ${money(p.value)} (${pct(p.data.share)}), ${int(p.data.units)} units` },
        grid: { left: 110, right: 60, top: 10, bottom: 25 },
        xAxis: { type: 'value', axisLabel: { formatter: (v) => moneyShort(v) } },
        yAxis: { type: 'category', inverse: true, data: groups.map((x) => x.key) },
        series: [{ type: 'bar', data: groups.map((x, i) => ({ value: x.revenue_cents, share: x.share, units: x.units, itemStyle: { color: OKABE_ITO[i % 8] } })),
          label: { show: true, position: 'right', formatter: (p) => pct(p.data.share) } }],
      }),
      h('div.scroll', table([
        { key: 'key', label },
        { key: 'units', label: 'Units', num: true, fmt: int },
        { key: 'revenue_cents', label: 'Revenue', num: true, fmt: money },
        { key: 'share', label: 'Share', num: true, fmt: pct },
      ], groups, { sort: 'revenue_cents', id: 'sales-by' })));
  };
  const bySelect = h('select', { 'aria-label': 'Sales by', onchange: (e) => {
    by = e.target.value;
    params.set('by', by);
    history.replaceState(null, '', '#/sales?' + params.toString());
    drawBy();
  } }, BY.map((b) => h('option', { value: b, selected: b === by }, b[0].toUpperCase() + b.slice(1))));
  drawBy();

  const productCols = [
    { key: 'name', label: 'Product' },
    { key: 'units', label: 'Units', num: true, fmt: int },
    { key: 'revenue_cents', label: 'Revenue', num: true, fmt: money },
    { key: 'tries', label: 'Tried', num: true, fmt: int },
    { key: 'stock', label: 'In stock', num: true, fmt: int },
  ];
  const topChart = (list, colour) => chartDiv({
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: (ps) => `${ps[0].name}: ${int(ps[0].value)} units` },
    grid: { left: 220, right: 40, top: 5, bottom: 20 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: list.map((p) => p.name), axisLabel: { width: 210, overflow: 'truncate' } },
    series: [{ type: 'bar', data: list.map((p) => p.units), itemStyle: { color: colour }, label: { show: true, position: 'right' } }],
  });

  return h('div',
    cards,
    h('div.grid.wide-left',
      card('Revenue and units over time', overTime),
      card('Sales by', { tools: bySelect }, byBody)),
    h('div.grid',
      card('Top products', topChart(k.top_products, OKABE_ITO[2]), h('div.scroll', table(productCols, k.top_products, { sort: 'units', id: 'top-products' }))),
      card('Worst products', topChart(k.worst_products, OKABE_ITO[5]), h('div.scroll', table(productCols, k.worst_products, { sort: 'units', desc: false, id: 'worst-products' })))),
  );
}
