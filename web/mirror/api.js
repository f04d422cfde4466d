// web/mirror/api.js - the mirror's pairing token and the JSON API (/api/v1) with it.
// The token arrives once in the pairing link (/mirror/#pair=TOKEN): it is kept in
// localStorage and removed from the address bar, then sent as "Authorization: Bearer".
const KEY = 'shopper.mirror.token';

export function takePairing() {
  const m = location.hash.match(/(?:^#|&)pair=([A-Za-z0-9_-]{16,128})/);
  if (m) {
    localStorage.setItem(KEY, m[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return localStorage.getItem(KEY);
}

export function forgetPairing() { localStorage.removeItem(KEY); }

export class ApiError extends Error {
  constructor(status, message, code) { super(message); this.status = status; this.code = code; }
}

// fetch with the token; JSON in and out. Throws ApiError (status 0: the network failed).
export async function api(method, path, body, { raw = null, signal } = {}) {
  const headers = { authorization: `Bearer ${localStorage.getItem(KEY) || ''}` };
  let payload;
  if (raw) { payload = raw; headers['content-type'] = raw.type || 'image/jpeg'; }
  else if (body !== undefined) { payload = JSON.stringify(body); headers['content-type'] = 'application/json'; }
  let res;
  try {
    res = await fetch('/api/v1' + path, { method, headers, body: payload, signal, cache: 'no-store' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'The store server cannot be reached. Trying again…', 'network');
  }
  let json = null;
  try { json = await res.json(); } catch { /* empty */ }
  if (!res.ok) throw new ApiError(res.status, (json && json.error) || `HTTP ${res.status}`, json && json.code);
  return json;
}

export const get = (p, o) => api('GET', p, undefined, o);
export const post = (p, b, o) => api('POST', p, b, o);
export const del = (p, o) => api('DELETE', p, undefined, o);
