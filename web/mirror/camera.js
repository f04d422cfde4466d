// web/mirror/camera.js - the camera: getUserMedia, a clear reason when it fails, and the
// downscaled JPEG frames (about 640x480) sent to the server.
export const FRAME_W = 640;

// why the camera is not there, in words a shopper understands, with a short kind
export function cameraProblem(e) {
  const name = e && e.name;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia)
    return { kind: 'unsupported', text: 'This browser cannot use a camera here (it needs https or localhost).' };
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return { kind: 'denied', text: 'The camera is blocked: allow it for this page in the browser, then try again.' };
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError')
    return { kind: 'none', text: 'No camera found. Connect a camera, then try again.' };
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError')
    return { kind: 'busy', text: 'The camera is in use by another program or not responding.' };
  if (name === 'ended')
    return { kind: 'unplugged', text: 'The camera was disconnected. Plug it back in, then try again.' };
  return { kind: 'error', text: `The camera could not start (${name || 'unknown error'}).` };
}

export class Camera {
  constructor(video, onLost) {
    this.video = video;
    this.onLost = onLost; // called once when the camera goes away (unplugged)
    this.stream = null;
    this.canvas = document.createElement('canvas');
    this.ctx = null;
  }

  async start() {
    this.stop();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia)
      throw Object.assign(new Error('no mediaDevices'), { name: 'unsupported' });
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: false, video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' } });
    this.stream = stream;
    for (const t of stream.getVideoTracks())
      t.addEventListener('ended', () => { if (this.stream === stream) { this.stop(); this.onLost(); } });
    this.video.srcObject = stream;
    await this.video.play().catch(() => {});
    if (!this.video.videoWidth)
      await new Promise((res) => this.video.addEventListener('loadedmetadata', res, { once: true }));
  }

  stop() {
    if (this.stream) for (const t of this.stream.getTracks()) t.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  get on() { return !!this.stream && this.stream.getVideoTracks().some((t) => t.readyState === 'live'); }

  // the current video frame, downscaled to FRAME_W wide, as a JPEG Blob; its size in
  // {w, h} (boxes come back in these pixels)
  async grab() {
    const v = this.video;
    if (!v.videoWidth) throw new Error('no video yet');
    const w = Math.min(FRAME_W, v.videoWidth), h = Math.round(w * v.videoHeight / v.videoWidth);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.ctx = this.canvas.getContext('2d', { alpha: false });
    }
    this.ctx.drawImage(v, 0, 0, w, h);
    const blob = await new Promise((res) => this.canvas.toBlob(res, 'image/jpeg', 0.85));
    if (!blob) throw new Error('no frame');
    return { blob, w, h };
  }
}
