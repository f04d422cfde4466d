// web/mirror/state.js - the one object the mirror's modules share: its state and the
// functions app.js fills in (banner, sheets, login and logout, render).
export const app = {
  s: {
    paired: false,
    mirror: null,          // {id, name, location}
    noticeAccepted: false,
    camera: 'off',         // off | starting | on | error
    cameraProblem: null,   // {kind, text}
    who: null,             // {id, name} of the customer logged in
    profile: null,         // their customer object (size, ...)
    private: false,        // somebody else is in view: personal content hidden
    faces: [],
    frame: { w: 640, h: 480 },
    verdict: null,
    expr: null,            // {groups, expressions}
    exprUpdates: 0,
    unknownStreak: 0,
    unknownQuietUntil: 0,
    pauseUntil: 0,         // no frames before (performance.now()): just logged out by button
    enrol: null,           // {customer, phase, progress, hint} while capturing
    tab: 'home',
    filters: { category: '', fabric: '', season: '', mysize: false },
    cart: null,
    foryou: null,
    products: new Map(),   // id -> product (with the shopper's prices)
    facets: { category: new Set(), fabric: new Set(), season: new Set() },
    latencies: [],         // ms from a frame leaving the page to its overlay drawn
    frames: 0,
  },
};
