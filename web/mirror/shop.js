// web/mirror/shop.js - the shop: tabs (Home, Women, Men, For you, Cart), product cards with
// the sizes in stock, filters, adding a size to the cart, the cart and buying.
import { get, post, del } from './api.js';
import { h, $, money } from './dom.js';
import { productArt } from './art.js';
import { app } from './state.js';

const S = app.s;
let renderSeq = 0; // a tab rendered later wins over a slower earlier one

export async function loadFacets() {
  const r = await get('/products?limit=200');
  for (const p of r.products) {
    S.products.set(p.id, p);
    S.facets.category.add(p.category);
    S.facets.fabric.add(p.fabric);
    S.facets.season.add(p.season);
  }
  for (const k of ['category', 'fabric', 'season']) {
    const sel = $(`#f-${k}`);
    for (const v of [...S.facets[k]].sort()) sel.append(h('option', { value: v, text: v }));
  }
}

export function setupShop() {
  const tabs = [...document.querySelectorAll('#tabs [role=tab]')];
  for (const t of tabs) t.addEventListener('click', () => showTab(t.dataset.tab));
  $('#tabs').addEventListener('keydown', (e) => { // arrow keys move between tabs
    const visible = tabs.filter((t) => !t.hidden);
    const i = visible.indexOf(document.activeElement);
    if (i < 0 || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) return;
    const next = visible[(i + (e.key === 'ArrowRight' ? 1 : visible.length - 1)) % visible.length];
    next.focus();
    showTab(next.dataset.tab);
  });
  for (const k of ['category', 'fabric', 'season'])
    $(`#f-${k}`).addEventListener('change', (e) => { S.filters[k] = e.target.value; renderTab(); });
  $('#f-mysize').addEventListener('change', (e) => { S.filters.mysize = e.target.checked; renderTab(); });
}

export function showTab(tab) {
  S.tab = tab;
  for (const t of document.querySelectorAll('#tabs [role=tab]'))
    t.setAttribute('aria-selected', String(t.dataset.tab === tab));
  renderTab();
}

const personalTab = (t) => t === 'foryou' || t === 'cart';

export function renderTab() {
  const seq = ++renderSeq;
  const content = $('#content');
  const tab = S.private && personalTab(S.tab) ? 'home' : S.tab;
  $('#filters').hidden = !(tab === 'women' || tab === 'men');
  const size = S.profile && S.profile.size;
  $('#f-mysize').disabled = !size;
  $('#f-mysize-label').textContent = size ? `My size (${size})` : 'My size (log in)';
  const done = (nodes) => { if (seq === renderSeq) content.replaceChildren(...nodes); };
  const fail = (e) => done([h('p', { class: 'error', text: e.message })]);
  if (S.private) {
    done([h('div', { class: 'private-note center' },
      h('h2', { text: 'Someone else is in view' }),
      h('p', { class: 'lead', text: 'Your personal details, offers and cart are hidden until only you are in front of the mirror.' }))]);
    return;
  }
  if (tab === 'home') homeView().then(done, fail);
  else if (tab === 'women' || tab === 'men') catalogueView(tab).then(done, fail);
  else if (tab === 'foryou') forYouView().then(done, fail);
  else if (tab === 'cart') done(cartView());
}

// ---- product cards ----

function priceLine(p, promoCents) {
  const promo = promoCents ?? p.promotion_price_cents;
  if (promo !== null && promo !== undefined && promo < p.price_cents)
    return h('div', { class: 'price' }, h('s', { text: money(p.price_cents) }), h('span', { class: 'promo', text: money(promo) }));
  return h('div', { class: 'price', text: money(p.price_cents) });
}

export function productCard(p, { reason = null, promoCents = null, discount = null } = {}) {
  const sizes = p.sizes_in_stock || [];
  return h('article', { class: 'card', 'data-product': p.id },
    h('img', { src: productArt(p), alt: `${p.category} (${p.fabric})`, width: 400, height: 300 }),
    h('div', { class: 'body' },
      h('div', { class: 'name', text: p.name }),
      h('div', { class: 'meta', text: `${p.category} · ${p.fabric} · ${p.season}` }),
      h('div', {}, priceLine(p, promoCents), discount ? h('span', { class: 'badge', text: `−${Math.round(discount * 100)} %` }) : null),
      reason ? h('div', { class: 'reason', text: reason }) : null,
      h('div', { class: 'sizes', role: 'group', 'aria-label': `Add ${p.name} in size` },
        sizes.length ? sizes.map((sz) => h('button', {
          class: 'size', 'data-size': sz, title: `Add size ${sz} to the cart`,
          onclick: (e) => addToCart(p, sz, e.currentTarget),
        }, sz)) : h('span', { class: 'none', text: 'Sold out' }))));
}

async function homeView() {
  const nodes = [];
  if (S.who) {
    nodes.push(h('h2', { text: `Hello ${S.who.name}` }));
    const fy = S.foryou || await loadForYou();
    if (fy && fy.promotions.length) {
      nodes.push(h('h3', { text: 'Your offers today' }));
      nodes.push(h('div', { class: 'grid' }, await promoCards(fy.promotions, true)));
    }
  } else {
    nodes.push(h('h2', { text: 'Welcome' }));
    nodes.push(h('p', { class: 'lead', text: S.camera === 'on'
      ? 'Registered customers log in by looking into the mirror. Or log in with your e-mail and PIN.'
      : 'Log in with your e-mail and PIN, or register, to get your own offers.' }));
  }
  const r = await get('/products?limit=6');
  r.products.forEach((p) => S.products.set(p.id, p));
  nodes.push(h('h3', { text: 'New in store' }), h('div', { class: 'grid' }, r.products.map((p) => productCard(p))));
  return nodes;
}

async function catalogueView(gender) {
  const q = new URLSearchParams({ gender, limit: '60' });
  for (const k of ['category', 'fabric', 'season']) if (S.filters[k]) q.set(k, S.filters[k]);
  if (S.filters.mysize && S.profile) q.set('size', S.profile.size);
  const r = await get('/products?' + q);
  r.products.forEach((p) => S.products.set(p.id, p));
  const title = gender === 'women' ? 'Women' : 'Men';
  if (!r.products.length)
    return [h('h2', { text: title }), h('p', { class: 'lead', text: 'Nothing matches these filters. Try fewer.' })];
  return [h('h2', {}, title, ' ', h('span', { class: 'muted', text: `(${r.total} products)` })),
    h('div', { class: 'grid' }, r.products.map((p) => productCard(p)))];
}

// ---- for you ----

export async function loadForYou() {
  if (!S.who) { S.foryou = null; return null; }
  try { S.foryou = await get('/foryou'); } catch (e) { S.foryou = null; if (e.status !== 401) app.banner(e.message); }
  return S.foryou;
}

async function promoCards(list, promo) {
  const ps = await Promise.all(list.map((x) => get(`/products/${x.product_id}`).catch(() => null)));
  return list.map((x, i) => {
    const p = ps[i];
    if (!p) return null;
    S.products.set(p.id, p);
    return productCard(p, { reason: x.reason, promoCents: promo ? x.price_cents : null, discount: promo ? x.discount : null });
  });
}

async function forYouView() {
  if (!S.who) return [h('h2', { text: 'For you' }), h('p', { class: 'lead', text: 'Log in to see your personal offers and recommendations.' })];
  const fy = await loadForYou();
  if (!fy) return [h('p', { class: 'error', text: 'Your offers cannot be shown right now.' })];
  return [h('h2', { text: 'Your offers' }),
    h('p', { class: 'muted', text: 'Just for you this week, at the price shown.' }),
    h('div', { class: 'grid', id: 'promotions' }, await promoCards(fy.promotions, true)),
    h('h3', { text: 'You might like' }),
    h('div', { class: 'grid', id: 'recommendations' }, await promoCards(fy.recommendations, false))];
}

// ---- cart ----

function setCart(cart) {
  S.cart = cart;
  const n = cart ? cart.lines.filter((l) => !l.sold).length : 0;
  $('#cart-count').textContent = String(n);
}

export async function loadCart() {
  if (!S.who) { setCart(null); return; }
  try { setCart(await get('/cart')); } catch (e) { if (e.status !== 401) app.banner(e.message); }
}

// the cart changed: its count, the for-you list (it depends on the cart), the view
async function cartChanged(cart) {
  setCart(cart);
  await loadForYou();
  renderTab();
}

async function addToCart(p, size, btn) {
  if (!S.who) { app.askLogin('Log in to add items to your cart.'); return; }
  if (btn) btn.disabled = true;
  try {
    const cart = await post('/cart/items', { product_id: p.id, size });
    app.banner(`Added ${p.name}, size ${size}, to your cart.`, 'ok');
    await cartChanged(cart);
  } catch (e) {
    if (e.status === 401) { app.loggedOut('server'); return; }
    app.banner(e.status === 409 ? `Sorry: ${e.message}.` : e.message);
    // the stock changed: show it as it is now, and the cart as the server has it
    S.products.delete(p.id);
    await loadCart();
    renderTab();
  } finally { if (btn) btn.disabled = false; }
}

function cartView() {
  if (!S.who) return [h('h2', { text: 'Cart' }), h('p', { class: 'lead', text: 'Log in to use a cart.' })];
  const c = S.cart;
  if (!c || !c.lines.length)
    return [h('h2', { text: 'Your cart' }), h('p', { class: 'lead', text: 'Your cart is empty. Tap a size on a product to add it.' })];
  const sold = c.lines.some((l) => l.sold);
  const saving = c.list_total_cents - c.total_cents;
  return [h('h2', { text: 'Your cart' }),
    h('ul', { class: 'cart-lines' }, c.lines.map((l) => {
      const p = S.products.get(l.product_id);
      return h('li', { class: l.sold ? 'sold' : '', 'data-item': l.item_id },
        p ? h('img', { src: productArt(p), alt: '' }) : h('span'),
        h('div', {}, h('div', { class: 'name', text: `${l.name}` }), h('div', { class: 'muted', text: `Size ${l.size}` }),
          l.sold ? h('div', { class: 'sold-note', text: 'Just sold out: please remove it' }) : null),
        h('div', { class: 'price' }, l.promotion && l.price_cents < l.list_cents ? h('s', { text: money(l.list_cents) }) : null,
          h('span', { class: l.promotion ? 'promo' : '', text: money(l.price_cents) })),
        h('button', { class: 'ghost', 'aria-label': `Remove ${l.name} size ${l.size}`, onclick: () => removeLine(l) }, 'Remove'));
    })),
    h('div', { class: 'totals' },
      h('span', { text: 'Items' }), h('span', { text: String(c.lines.length) }),
      saving > 0 ? [h('span', { text: 'You save' }), h('span', { class: 'promo', text: money(saving) })] : null,
      h('span', { class: 'total', text: 'Total' }), h('span', { class: 'total', id: 'cart-total', text: money(c.total_cents) })),
    h('div', { class: 'actions' }, h('button', { id: 'btn-buy', class: 'primary big', disabled: sold, onclick: buy },
      sold ? 'Remove sold-out items to buy' : `Buy now · ${money(c.total_cents)}`))];
}

async function removeLine(l) {
  try { await cartChanged(await del(`/cart/items/${l.item_id}`)); }
  catch (e) { app.banner(e.message); await loadCart(); renderTab(); }
}

async function buy() {
  const btn = $('#btn-buy');
  if (btn) btn.disabled = true;
  try {
    const bought = await post('/cart/checkout');
    app.bought(bought);
    await cartChanged(null);
    await loadCart(); // the new session's empty cart
    renderTab();
  } catch (e) {
    if (e.status === 401) { app.loggedOut('server'); return; }
    // 409: something sold out or the cart changed; nothing was bought: show the cart as it is
    // now and say which items went (a hold that ran out lets the item go to another buyer)
    const was = S.cart ? S.cart.lines : [];
    await loadCart();
    const now = S.cart ? S.cart.lines : [];
    const gone = was.filter((l) => !now.some((x) => x.item_id === l.item_id && !x.sold));
    const names = gone.map((l) => `${l.name} (size ${l.size})`).join(', ');
    app.banner(e.status !== 409 ? e.message : gone.length
      ? `Nothing was bought: ${names} sold out while in your cart. Your cart is updated.`
      : `Nothing was bought: ${e.message}.`);
    renderTab();
  }
}

export function clearShopper() {
  S.foryou = null;
  setCart(null);
  S.products.clear(); // prices were this customer's
}
