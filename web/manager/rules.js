// web/manager/rules.js - Association rules: "bought together" rules with support, confidence
// and lift, filtered by a product (either side), sortable.
import { api, h, card, kpis, table, empty, int, num2, pct, datetime } from './lib.js';

export async function render({ params, go }) {
  const pid = params.get('product');
  const [rules, inv] = await Promise.all([
    api('/rules?' + new URLSearchParams({ sort: 'lift', limit: 200, ...(pid ? { product: pid } : {}) })).catch((e) => (e.status === 404 ? null : Promise.reject(e))),
    api('/inventory?limit=200'),
  ]);
  const sel = h('select#rules-product', { 'aria-label': 'Rules with product', onchange: (e) => { if (e.target.value) params.set('product', e.target.value); else params.delete('product'); go(params); } },
    h('option', { value: '' }, 'All products'),
    inv.products.slice().sort((a, b) => a.name.localeCompare(b.name)).map((p) => h('option', { value: p.id, selected: String(p.id) === pid }, p.name)));
  if (!rules) return card('Association rules', empty('No rules mined yet: run `shopper rules`'));
  const t = rules.rules.length === 0 ? empty('No rule with this product') : table([
    { key: 'antecedent_names', label: 'Customers who buy', sort: (r) => r.antecedent_names.join(' + '), fmt: (v) => v.join(' + ') },
    { key: 'consequent_name', label: 'also buy' },
    { key: 'support', label: 'Support', num: true, fmt: pct },
    { key: 'confidence', label: 'Confidence', num: true, fmt: pct },
    { key: 'lift', label: 'Lift', num: true, fmt: num2 },
    { key: 'count', label: 'Baskets', num: true, fmt: int },
  ], rules.rules, { sort: 'lift', id: 'rules' });
  return h('div',
    kpis([
      { id: 'rules', k: 'Rules', v: int(rules.total), s: pid ? 'with this product' : `of ${int(rules.rules_found)} found` },
      { id: 'transactions', k: 'Baskets mined', v: int(rules.transactions), s: `mined ${datetime(rules.mined_at)}` },
      { id: 'thresholds', k: 'Minimum confidence', v: pct(rules.min_confidence), s: `and support of at least ${int(rules.min_support)} baskets` },
    ]),
    card('Association rules', { tools: sel }, h('div.scroll', { style: 'max-height:560px' }, t),
      h('p.note', 'Support: share of all baskets with both sides. Confidence: share of the baskets with the left side that also have the right. Lift above 1: bought together more often than by chance.')));
}
