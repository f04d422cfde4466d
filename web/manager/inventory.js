// web/manager/inventory.js - Inventory: stock by product and size with low stock highlighted,
// and times tried vs sold per product (for the chosen date range).
import { api, query, h, card, kpis, table, chartDiv, empty, money, int, num2, OKABE_ITO } from './lib.js';

export async function render({ range, params, go }) {
  const threshold = Math.max(0, Math.min(1000, Number(params.get('threshold') || 2) | 0));
  const lowOnly = params.get('low') === '1';
  const [inv, ts] = await Promise.all([
    api('/inventory' + query(null, { threshold, low: lowOnly ? 'true' : null, limit: 200 })),
    api('/inventory/tried-sold' + query(range)),
  ]);
  const sizes = inv.sizes;
  const rows = inv.products.map((p) => ({ ...p, ...Object.fromEntries(sizes.map((s) => [`size_${s}`, p.stock_by_size[s] ?? null])) }));
  const stock = table([
    { key: 'name', label: 'Product' },
    { key: 'category', label: 'Category' },
    { key: 'gender', label: 'Gender' },
    { key: 'price_cents', label: 'Price', num: true, fmt: money },
    ...sizes.map((s) => ({ key: `size_${s}`, label: s, num: true, fmt: (v) => (v === null ? '–' : int(v)),
      cls: (r) => (r.low_sizes.includes(s) ? 'low' : '') })),
    { key: 'stock', label: 'Total', num: true, fmt: int },
    { key: 'low', label: 'Low stock', sort: (r) => r.low_sizes.length, fmt: (v, r) => (r.low ? h('span.tag.bad', `low: ${r.low_sizes.join(', ')}`) : '') },
  ], rows, { sort: 'stock', desc: false, id: 'stock', rowClass: (r) => (r.low ? 'low' : '') });

  const thr = h('form.inline', { onsubmit: (e) => { e.preventDefault(); params.set('threshold', e.target.elements.t.value); params.set('low', e.target.elements.low.checked ? '1' : '0'); go(params); } },
    h('label', 'Low at or below', h('input', { name: 't', type: 'number', min: 0, max: 1000, value: threshold, style: 'width:5rem' })),
    h('label', 'Only low', h('input', { name: 'low', type: 'checkbox', checked: lowOnly,
      onchange: (e) => { params.set('low', e.target.checked ? '1' : '0'); go(params); } })),
    h('button', { type: 'submit' }, 'Show'));

  const tried = ts.products.filter((p) => p.tries > 0 || p.units > 0);
  const triedTop = tried.slice(0, 20);
  const chart = triedTop.length === 0 ? empty('No try-ons or sales in this range') : chartDiv({
    color: [OKABE_ITO[4], OKABE_ITO[0]],
    legend: { top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 220, right: 30, top: 28, bottom: 20 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: triedTop.map((p) => p.name), axisLabel: { width: 210, overflow: 'truncate' } },
    series: [
      { name: 'Tried', type: 'bar', data: triedTop.map((p) => p.tries) },
      { name: 'Sold', type: 'bar', data: triedTop.map((p) => p.units) },
    ],
  }, 'tall');
  const tsTable = table([
    { key: 'name', label: 'Product' },
    { key: 'tries', label: 'Tried', num: true, fmt: int },
    { key: 'units', label: 'Sold', num: true, fmt: int },
    { key: 'try_to_buy', label: 'Tries per sale', num: true, fmt: (v, r) => (r.units ? num2(v) : '–') },
  ], ts.products, { sort: 'tries', id: 'tried-sold' });

  return h('div',
    kpis([
      { id: 'products', k: 'Products', v: int(inv.total) },
      { id: 'low_stock', k: 'Low on stock', v: int(inv.low_stock), s: `a size at or below ${threshold}` },
    ]),
    h('div.grid.wide-left',
      card('Stock by product and size', { tools: thr }, h('div.scroll', stock),
        h('p.note', inv.total > inv.products.length ? `The first ${int(inv.products.length)} of ${int(inv.total)} products; tick "Only low" to see those low on stock.` : '')),
      card('Tried vs sold', chart, h('div.scroll', tsTable))));
}
