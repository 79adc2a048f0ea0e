// One WebSocket kept open: reconnects with exponential back-off and jitter,
// at once when the browser comes back online or the tab becomes visible.
// A close with 1008 (policy: the session was revoked or expired) is handed
// to `on.ended`, which resolves once signed in again. Knows nothing of the page.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
const CLOSE_POLICY = 1008;

export class StaffSocket {
  /**
   * @param {() => string} url  the URL to open (asked each time: the token may change)
   * @param {{message: (m: object) => void, state: (s: string) => void, ended: () => Promise<void>, refused?: () => void}} on
   */
  constructor(url, on) {
    this.url = url;
    this.on = on;
    this.ws = null;
    this.failures = 0;
    this.timer = null;
    this.state = 'connecting';
    addEventListener('online', () => this.now());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.now();
    });
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => { opened = true; this.set('open'); };
    ws.onmessage = (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      this.failures = 0;
      this.on.message(m);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (e.code === CLOSE_POLICY) {
        this.set('reconnecting');
        this.on.ended().then(() => this.connect());
        return;
      }
      this.retry();
      // Refused before opening: perhaps the session ended (a 401 is not seen by scripts).
      if (!opened) this.on.refused?.();
    };
  }

  retry() {
    this.set('reconnecting');
    if (this.timer) return;
    const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.failures) * (0.5 + Math.random() / 2);
    this.failures += 1;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Reconnect right away if waiting to. */
  now() {
    if (this.ws || !this.timer) return;
    this.connect();
  }

  set(state) {
    if (state === this.state) return;
    this.state = state;
    this.on.state(state);
  }
}
