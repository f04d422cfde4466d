// web/manager/pricing.js - Dynamic pricing (managers): for each product the current and the
// suggested price, predicted units and profit at both, the rule that bound it; apply one or
// all after a confirmation; the price history of a product; the demand model's quality
// against its baseline, shown whether it wins or not.
import { moneyShort } from './lib.js';
import { api, h, card, kpis, table, chartDiv, empty, money, num2, datetime, confirmBox, toast, OKABE_ITO } from './lib.js';

export async function render({ params, go }) {
  const pid = params.get('product');
  const [sug, model, hist] = await Promise.all([
    api('/pricing/suggestions'),
    api('/pricing/model').catch((e) => (e.status === 404 ? null : Promise.reject(e))),
    api('/pricing/history' + (pid ? `?product=${encodeURIComponent(pid)}&limit=200` : '?limit=200')),
  ]);
  const rows = sug.products.map((p) => ({ ...p, change: p.suggested_cents - p.current_cents, gain: p.profit_suggested - p.profit_current }));
  const changes = rows.filter((r) => r.change !== 0);
  const apply = async (body, text, done) => {
    if (!(await confirmBox(text, 'Apply'))) return;
    try {
      await api('/pricing/apply', { method: 'POST', body });
      toast(done);
      go(params);
    } catch (e) { toast(`Cannot apply: ${e.message}`); }
  };
  const t = table([
    { key: 'name', label: 'Product' },
    { key: 'cost_cents', label: 'Cost', num: true, fmt: money },
    { key: 'current_cents', label: 'Current price', num: true, fmt: money },
    { key: 'suggested_cents', label: 'Suggested', num: true, fmt: money, cls: (r) => (r.change ? 'changed' : '') },
    { key: 'demand_current', label: 'Units/day now', num: true, fmt: num2 },
    { key: 'demand_suggested', label: 'Units/day suggested', num: true, fmt: num2 },
    { key: 'profit_current', label: 'Profit/day now', num: true, fmt: (v) => money(v) },
    { key: 'profit_suggested', label: 'Profit/day suggested', num: true, fmt: (v) => money(v) },
    { key: 'gain', label: 'Gain/day', num: true, fmt: (v) => `${v > 0 ? '+' : ''}${money(v)}` },
    { key: 'rule', label: 'Bound by', fmt: (v) => (v === 'none' ? '–' : v.replace(/_/g, ' ')) },
    { key: 'action', label: '', nosort: true, fmt: (v, r) => (r.change === 0 ? h('span.muted', 'as suggested')
      : h('button', { type: 'button', className: 'apply-one', dataset: { product: r.id },
        onclick: () => apply({ product_id: r.id }, `Change the price of ${r.name} from ${money(r.current_cents)} to ${money(r.suggested_cents)}?`,
          `${r.name} now costs ${money(r.suggested_cents)}`) }, 'Apply')) },
  ], rows, { sort: 'gain', id: 'pricing', rowClass: (r) => (String(r.id) === pid ? 'selected' : '') });
  const applyAll = h('button.primary#apply-all', { type: 'button', disabled: changes.length === 0,
    onclick: () => apply({ all: true }, `Apply all ${changes.length} suggested price changes?`, `${changes.length} suggested prices applied`) }, `Apply all (${changes.length})`);

  const sumNow = rows.reduce((a, r) => a + r.profit_current, 0), sumSug = rows.reduce((a, r) => a + r.profit_suggested, 0);
  let quality;
  if (!model) quality = empty('No demand model trained yet: run `shopper train demand`');
  else {
    const m = model.metrics;
    quality = h('div#model-quality',
      h('p', h('span.tag.' + (model.beats_baseline ? 'good' : 'bad'), model.beats_baseline ? 'beats the baseline' : 'does NOT beat the baseline'),
        ` version ${model.version}, trained ${datetime(model.trained_at)} on ${model.rows} days×products, tested on ${model.rows_test} from ${model.holdout_from}`),
      table([
        { key: 'metric', label: 'Error on held-out days', nosort: true },
        { key: 'model', label: 'Model', num: true, nosort: true, fmt: num2 },
        { key: 'baseline', label: 'Baseline', num: true, nosort: true, fmt: num2 },
        { key: 'better', label: '', nosort: true, fmt: (v) => h('span.tag.' + (v ? 'good' : 'bad'), v ? 'better' : 'worse') },
      ], ['mae', 'rmse', 'deviance'].map((k) => ({ metric: k.toUpperCase() + (k === 'deviance' ? ' (Poisson)' : ''), model: m[k], baseline: m[k + '_baseline'], better: m[k] < m[k + '_baseline'] }))),
      h('p.note', 'Lower is better. The baseline predicts each product\'s mean daily units from the training days. Prices move only when the model beats it.'));
  }

  const productSel = h('select#history-product', { 'aria-label': 'Price history of', onchange: (e) => { if (e.target.value) params.set('product', e.target.value); else params.delete('product'); go(params); } },
    h('option', { value: '' }, 'All products'), rows.map((r) => h('option', { value: r.id, selected: String(r.id) === pid }, r.name)));
  const name = (id) => (rows.find((r) => r.id === id) || {}).name || `#${id}`;
  const hrows = hist.history;
  let histChart;
  if (!pid) histChart = empty('Choose a product to see its price over time');
  else if (hrows.length === 0) histChart = empty('No price changes yet');
  else {
    const pts = hrows.slice().reverse();
    histChart = chartDiv({
      color: [OKABE_ITO[0], OKABE_ITO[1]],
      legend: { top: 0 },
      tooltip: { trigger: 'axis', valueFormatter: (v) => money(v) },
      grid: { left: 80, right: 20, top: 30, bottom: 30 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', scale: true, axisLabel: { formatter: (v) => moneyShort(v) } },
      series: [
        { name: 'price', type: 'line', step: 'end', data: pts.map((x) => [x.changed_at, x.new_cents]) },
        { name: 'suggested', type: 'scatter', data: pts.map((x) => [x.changed_at, x.suggested_cents]) },
      ],
    });
  }
  const histTable = table([
    { key: 'changed_at', label: 'When', fmt: datetime },
    { key: 'product_id', label: 'Product', fmt: name, sort: (r) => name(r.product_id) },
    { key: 'old_cents', label: 'Old', num: true, fmt: money },
    { key: 'new_cents', label: 'New', num: true, fmt: money },
    { key: 'suggested_cents', label: 'Suggested', num: true, fmt: money },
    { key: 'applied', label: 'Applied', fmt: (v) => (v ? 'yes' : 'no') },
  ], hrows, { sort: 'changed_at', id: 'price-history' });

  return h('div',
    kpis([
      { id: 'changes', k: 'Suggested changes', v: String(changes.length), s: `of ${rows.length} products` },
      { id: 'profit_now', k: 'Predicted profit/day now', v: money(sumNow) },
      { id: 'profit_suggested', k: 'Predicted profit/day suggested', v: money(sumSug), s: `${sumSug >= sumNow ? '+' : ''}${money(sumSug - sumNow)}` },
      { id: 'model', k: 'Demand model', v: model ? (model.beats_baseline ? 'beats baseline' : 'worse than baseline') : 'not trained',
        s: model ? `deviance ${num2(model.metrics.deviance)} vs ${num2(model.metrics.deviance_baseline)} (baseline)` : '' },
    ]),
    card('Suggested prices', { tools: applyAll }, h('div.scroll', t),
      h('p.note', 'Predicted units and profit per day from the demand model; "Bound by" names the business rule that limited the suggestion.')),
    h('div', { style: 'height:.8rem' }),
    h('div.grid',
      card('Price history', { tools: productSel }, histChart, h('div.scroll', { style: 'max-height:220px' }, histTable)),
      card('Demand model quality', quality)));
}
