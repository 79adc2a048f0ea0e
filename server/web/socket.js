// One WebSocket to the table, kept open: reconnects with exponential
// back-off and jitter, at once when the phone comes back online or the page
// becomes visible again. Tells its state so the page can show it.
// A join refused because the phone is outside the restaurant (close code
// 4403, after an `error` saying why) is state 'refused': tried again only
// slowly, or at once when the network or the page's visibility changes.
// A socket closed because the table's code changed (rotated, or the table
// out of service: close code 4404, after an `error` `table_not_found`) is
// state 'gone' and never reconnects: the code in this page's address is void.
// A socket turned away because the table or the address has too many open
// (close code 4429, after an `error` `too_many_sockets`) is state 'busy' and
// tries again slowly.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
/** Close code of a refused join (`shared::ws::CLOSE_REFUSED`). */
const CLOSE_REFUSED = 4403;
/** Close code when the table's code stopped working (`shared::ws::CLOSE_TABLE_GONE`). */
const CLOSE_TABLE_GONE = 4404;
/** Close code when too many sockets are open (`shared::ws::CLOSE_TOO_MANY`). */
const CLOSE_TOO_MANY = 4429;
const BUSY_RETRY_MS = 15_000;
/** A refused phone may join the restaurant's Wi-Fi without any event. */
const REFUSED_RETRY_MS = 30_000;

export class TableSocket {
  /**
   * @param {string} url
   * @param {{open: () => void, message: (m: object) => void, state: (s: string) => void}} on
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

  get open() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.set('open');
      this.on.open();
    };
    ws.onmessage = (e) => {
      let m;
      try {
        m = JSON.parse(e.data);
      } catch {
        return;
      }
      // A connection that carries messages is a good one.
      this.failures = 0;
      this.on.message(m);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (e.code === CLOSE_TABLE_GONE) {
        this.set('gone');
        return;
      }
      if (e.code === CLOSE_TOO_MANY) {
        this.set('busy');
        this.timer = setTimeout(() => this.connect(), BUSY_RETRY_MS * (0.5 + Math.random()));
        return;
      }
      if (e.code === CLOSE_REFUSED) {
        this.set('refused');
        this.timer = setTimeout(() => this.connect(), REFUSED_RETRY_MS);
        return;
      }
      this.retry();
    };
  }

  retry() {
    this.set('reconnecting');
    if (this.timer) return;
    const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.failures) * (0.5 + Math.random() / 2);
    this.failures += 1;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Reconnect right away if not connected (network back, page visible). */
  now() {
    if (this.ws || !this.timer || this.state === 'gone') return;
    this.connect();
  }

  send(message) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  set(state) {
    if (state === this.state) return;
    this.state = state;
    this.on.state(state);
  }
}
