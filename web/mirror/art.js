// web/mirror/art.js - a generated picture per product (no photos in the demo store): the
// category's silhouette on a background of the gender's colour, with the fabric's texture.
// SVG made here and shown as a data: URL (the page's CSP allows img-src data:).
const SHAPES = {
  'T-Shirt': 'M140 70 L175 55 Q200 78 225 55 L260 70 L302 112 L272 138 L255 124 L255 252 L145 252 L145 124 L128 138 L98 112 Z',
  Sweater: 'M140 64 L175 50 Q200 72 225 50 L260 64 L300 206 L274 214 L255 128 L255 252 L145 252 L145 128 L126 214 L100 206 Z',
  Pants: 'M150 48 L250 48 L264 258 L216 258 L200 122 L184 258 L136 258 Z',
  Coat: 'M146 48 L178 40 L200 72 L222 40 L254 48 L296 234 L270 240 L258 142 L262 278 L138 278 L142 142 L130 240 L104 234 Z',
};
const HANGER = 'M200 70 a14 14 0 1 1 14 -14 M200 70 L110 150 L290 150 Z';
const GENDER = { women: ['#7a3b55', '#c98aa5'], men: ['#2f4660', '#86a6c8'], unisex: ['#35574a', '#8fbfa8'] };
const TONE = { 'T-Shirt': '#f4efe6', Sweater: '#e8c99b', Pants: '#3e4a5c', Coat: '#8a6a4f' };

function texture(fabric) {
  if (fabric === 'Wool')
    return '<pattern id="t" width="12" height="12" patternUnits="userSpaceOnUse"><circle cx="6" cy="6" r="2.2" fill="#0002"/></pattern>';
  if (fabric === 'Polyester')
    return '<pattern id="t" width="14" height="14" patternUnits="userSpaceOnUse" patternTransform="rotate(35)"><rect width="5" height="14" fill="#fff2"/></pattern>';
  return '<pattern id="t" width="8" height="8" patternUnits="userSpaceOnUse"><path d="M0 8 L8 0" stroke="#0001" stroke-width="1"/></pattern>';
}

const cache = new Map();
export function productArt(p) {
  const key = `${p.category}|${p.gender}|${p.fabric}`;
  if (cache.has(key)) return cache.get(key);
  const [bg1, bg2] = GENDER[p.gender] || GENDER.unisex;
  const shape = SHAPES[p.category];
  const tone = TONE[p.category] || '#ddd';
  const body = shape
    ? `<path d="${shape}" fill="${tone}" stroke="#0005" stroke-width="3"/><path d="${shape}" fill="url(#t)"/>`
    : `<path d="${HANGER}" fill="none" stroke="${tone}" stroke-width="8" stroke-linejoin="round"/>`;
  const extra = p.category === 'Coat'
    ? '<path d="M200 72 L200 276" stroke="#0006" stroke-width="3"/><circle cx="212" cy="120" r="5" fill="#0006"/><circle cx="212" cy="170" r="5" fill="#0006"/><circle cx="212" cy="220" r="5" fill="#0006"/>'
    : p.category === 'Sweater' ? '<path d="M145 240 L255 240" stroke="#0004" stroke-width="6"/>' : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${bg1}"/><stop offset="1" stop-color="${bg2}"/></linearGradient>${texture(p.fabric)}</defs><rect width="400" height="300" fill="url(#g)"/><ellipse cx="200" cy="285" rx="120" ry="10" fill="#0003"/>${body}${extra}</svg>`;
  const url = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
  cache.set(key, url);
  return url;
}
