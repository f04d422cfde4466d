// web/mirror/overlay.js - what is drawn over the mirror image: face boxes, the name once
// recognised, and (while logged in) the live expression bars. Drawn on a canvas over the
// video: updates never move the page's layout.
const BARS = [ // frustration is not shown to the shopper: it goes to staff as an alert
  ['Happy', (g, e) => g.happiness], ['Surprised', (g, e) => g.surprise], ['Calm', (g, e) => e.neutral],
];

export class Overlay {
  constructor(canvas, video) {
    this.canvas = canvas;
    this.video = video;
    this.ctx = canvas.getContext('2d');
  }

  // backing store at the element's size and the device's pixel ratio
  fit() {
    const r = this.canvas.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    const w = Math.round(r.width * dpr), h = Math.round(r.height * dpr);
    if (this.canvas.width !== w || this.canvas.height !== h) { this.canvas.width = w; this.canvas.height = h; }
    return { w: r.width, h: r.height, dpr };
  }

  clear() { this.last = null; this.fit(); this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height); }

  // the last drawing again, at the element's new size (after a resize or a rotation)
  redraw() { if (this.last) this.draw(this.last); }

  // faces: [{box:[x,y,w,h], label, known}] in frame pixels (frame fw x fh, the video scaled);
  // bars: {groups, expressions} or null
  draw({ faces = [], fw = 640, fh = 480, bars = null }) {
    this.last = { faces, fw, fh, bars };
    const { w, h, dpr } = this.fit();
    const c = this.ctx;
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.clearRect(0, 0, w, h);
    // the video is shown with object-fit: cover and mirrored
    const vw = this.video.videoWidth || fw, vh = this.video.videoHeight || fh;
    const s = Math.max(w / vw, h / vh), ox = (w - vw * s) / 2, oy = (h - vh * s) / 2;
    const k = vw / fw;
    const font = Math.max(16, Math.round(Math.min(w, h) * 0.045));
    for (const f of faces) {
      const [x, y, bw, bh] = f.box;
      const left = w - (ox + (x + bw) * k * s), top = oy + y * k * s;
      const ww = bw * k * s, hh = bh * k * s;
      c.lineWidth = Math.max(3, font / 6);
      c.strokeStyle = f.known ? '#e9b872' : '#ffffffcc';
      roundRect(c, left, top, ww, hh, Math.min(ww, hh) * 0.12);
      c.stroke();
      if (f.label) {
        c.font = `600 ${font}px "DejaVu Sans", sans-serif`;
        const tw = c.measureText(f.label).width + font;
        const lx = Math.min(Math.max(4, left + ww / 2 - tw / 2), w - tw - 4);
        const ly = Math.max(4, top - font * 1.7);
        c.fillStyle = f.known ? '#e9b872' : '#000000b0';
        roundRect(c, lx, ly, tw, font * 1.45, font * 0.3);
        c.fill();
        c.fillStyle = f.known ? '#1d1a14' : '#fff';
        c.textBaseline = 'middle';
        c.fillText(f.label, lx + font / 2, ly + font * 0.75);
      }
    }
    if (bars) this.bars(bars, w, h, font);
  }

  bars({ groups, expressions }, w, h, font) {
    const c = this.ctx, f = Math.round(font * 0.7), pad = f * 0.7;
    const bw = Math.min(w * 0.42, f * 14), rowH = f * 1.9;
    const x0 = pad, y0 = h - pad - rowH * BARS.length - pad;
    c.fillStyle = '#000000a0';
    roundRect(c, x0, y0, bw, rowH * BARS.length + pad, f * 0.5);
    c.fill();
    c.font = `${f}px "DejaVu Sans", sans-serif`;
    c.textBaseline = 'middle';
    BARS.forEach(([name, pick], i) => {
      const v = Math.max(0, Math.min(1, pick(groups || {}, expressions || {}) || 0));
      const y = y0 + pad / 2 + i * rowH;
      c.fillStyle = '#fff';
      c.fillText(name, x0 + pad, y + rowH * 0.3);
      const bx = x0 + pad, by = y + rowH * 0.55, bl = bw - 2 * pad;
      c.fillStyle = '#ffffff33';
      c.fillRect(bx, by, bl, f * 0.45);
      c.fillStyle = '#e9b872';
      c.fillRect(bx, by, bl * v, f * 0.45);
    });
  }
}

function roundRect(c, x, y, w, h, r) {
  c.beginPath();
  c.moveTo(x + r, y);
  c.arcTo(x + w, y, x + w, y + h, r);
  c.arcTo(x + w, y + h, x, y + h, r);
  c.arcTo(x, y + h, x, y, r);
  c.arcTo(x, y, x + w, y, r);
  c.closePath();
}
