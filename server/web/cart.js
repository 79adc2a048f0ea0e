// The table's shared cart as this page sees it (shared/src/ws.rs): the
// server's confirmed state — a version and its lines — plus this diner's own
// changes not yet confirmed, applied on top so that a tap shows at once.
//
// Reconciliation: the server answers each change with a `cart_op` carrying
// the next version; the matching pending change is then dropped (an `add`
// also tells the real line id of a line added under a temporary one). A
// version gap means messages were lost: the page sends `sync` and the
// snapshot replaces the state; changes sent before that `sync` are in the
// snapshot (or were refused), changes made later are kept. Changes made while
// disconnected wait and are sent after the next snapshot.
//
// No DOM and no socket here: live.js sends what `outgoing()` returns.

const TEMP = 'tmp-';

export function sameOptions(a = {}, b = {}) {
  const norm = (o) => JSON.stringify(Object.keys(o).sort().filter((k) => o[k]?.length)
    .map((k) => [k, [...o[k]].sort()]));
  return norm(a) === norm(b);
}

/** One operation (the `op` of a `cart_op`, kind-tagged) applied to lines. */
export function applyOp(lines, op) {
  switch (op.kind) {
    case 'add':
      return [...lines, { ...op.line }];
    case 'set_qty':
      return lines.map((l) => (l.line_id === op.line_id ? { ...l, qty: op.qty } : l));
    case 'set_note':
      return lines.map((l) => (l.line_id === op.line_id ? { ...l, note: op.note ?? null } : l));
    case 'remove':
      return lines.filter((l) => l.line_id !== op.line_id);
    case 'clear':
      return [];
    default:
      return lines;
  }
}

export class SharedCart {
  constructor(clientId) {
    this.clientId = clientId;
    /** `null` until the first snapshot: nothing is confirmed yet. */
    this.version = null;
    this.lines = [];
    /** {op, seq (null = not sent), at} in the order they were made. */
    this.pending = [];
    this.seq = 0;
    this.syncSeq = 0;
    this.temps = 0;
  }

  /** What the diner sees: confirmed lines with pending changes on top. */
  view() {
    let lines = this.lines.map((l) => ({ ...l, pending: false }));
    for (const p of this.pending) {
      lines = applyOp(lines, p.op).map((l) => (touches(p.op, l) ? { ...l, pending: true } : l));
    }
    return lines;
  }

  /** A change made on this page. `line` for `add` needs item_id, qty, options, note, added_by_name. */
  add(line) {
    const line_id = `${TEMP}${++this.temps}`;
    this.pending.push(this.entry({ kind: 'add', line: { ...line, line_id, added_by: this.clientId } }));
    return line_id;
  }

  setQty(line_id, qty) {
    if (this.editUnsentAdd(line_id, (l) => { l.qty = qty; })) return;
    const last = this.pending.at(-1);
    // Taps in a row on one stepper, not yet sent, become one change.
    if (last && last.seq === null && last.op.kind === 'set_qty' && last.op.line_id === line_id) {
      last.op.qty = qty;
      return;
    }
    this.pending.push(this.entry({ kind: 'set_qty', line_id, qty }));
  }

  setNote(line_id, note) {
    if (this.editUnsentAdd(line_id, (l) => { l.note = note; })) return;
    this.pending.push(this.entry({ kind: 'set_note', line_id, note }));
  }

  remove(line_id) {
    const i = this.pending.findIndex((p) => p.seq === null && p.op.kind === 'add' && p.op.line.line_id === line_id);
    if (i >= 0) {
      // Never sent: forget it and everything done to it since.
      this.pending = this.pending.filter((p, j) => j !== i && p.op.line_id !== line_id);
      return;
    }
    this.pending.push(this.entry({ kind: 'remove', line_id }));
  }

  entry(op) {
    return { op, seq: null, at: 0 };
  }

  editUnsentAdd(line_id, edit) {
    const p = this.pending.find((q) => q.seq === null && q.op.kind === 'add' && q.op.line.line_id === line_id);
    if (!p) return false;
    edit(p.op.line);
    return true;
  }

  /**
   * Messages to send now (call when the socket is open and a snapshot has
   * arrived). Changes to lines whose `add` is not confirmed yet wait.
   */
  outgoing(now = Date.now()) {
    const out = [];
    for (const p of this.pending) {
      if (p.seq !== null) continue;
      if (p.op.line_id?.startsWith(TEMP)) continue;
      p.seq = ++this.seq;
      p.at = now;
      out.push(toMessage(p.op));
    }
    return out;
  }

  /** A `sync` or `hello` is being sent: its snapshot covers what was sent before. */
  markSync() {
    this.syncSeq = ++this.seq;
  }

  /** The socket closed: what was sent and not confirmed is settled by the next snapshot. */
  disconnected() {
    this.markSync();
  }

  /** True when a sent change has waited longer than `ms` (then ask for a snapshot). */
  overdue(now, ms) {
    return this.pending.some((p) => p.seq !== null && now - p.at > ms);
  }

  /** Any change not confirmed yet. */
  get busy() {
    return this.pending.length > 0;
  }

  snapshot(version, lines) {
    this.version = version;
    this.lines = lines.map((l) => ({ ...l }));
    const dropped = this.pending.filter((p) => p.seq !== null && p.seq < this.syncSeq);
    this.pending = this.pending.filter((p) => !dropped.includes(p));
    this.forgetTemps(dropped);
  }

  /** A `cart_op` from the server: 'ok', 'stale' (already have it) or 'gap' (send sync). */
  serverOp(version, op) {
    // Before the first snapshot: it is on its way (answering `hello`).
    if (this.version === null) return 'stale';
    if (version <= this.version) return 'stale';
    if (version !== this.version + 1) return 'gap';
    this.version = version;
    this.lines = applyOp(this.lines, op);
    const mine = this.pending.find((p) => p.seq !== null && confirms(p.op, op, this.clientId));
    if (mine) {
      this.pending = this.pending.filter((p) => p !== mine);
      if (op.kind === 'add') {
        const temp = mine.op.line.line_id;
        for (const p of this.pending) if (p.op.line_id === temp) p.op.line_id = op.line.line_id;
      }
    }
    return 'ok';
  }

  /** The server refused the oldest change sent (an `error` message); returns it. */
  refused() {
    const i = this.pending.findIndex((p) => p.seq !== null);
    if (i < 0) return null;
    const [gone] = this.pending.splice(i, 1);
    this.forgetTemps([gone]);
    return gone.op;
  }

  /** The server could not take the oldest change sent (busy, Redis away): send it again later. */
  later() {
    const p = this.pending.find((q) => q.seq !== null);
    if (p) {
      p.seq = null;
      p.at = 0;
    }
  }

  /**
   * These lines were just ordered from the cart at its current version: the
   * server takes them out (its `remove` ops follow), so stop showing them now.
   */
  dropLines(ids) {
    const gone = new Set(ids);
    this.lines = this.lines.filter((l) => !gone.has(l.line_id));
    this.pending = this.pending.filter((p) => !gone.has(p.op.kind === 'add' ? p.op.line.line_id : p.op.line_id));
  }

  forgetTemps(dropped) {
    const temps = new Set(dropped.filter((p) => p.op.kind === 'add').map((p) => p.op.line.line_id));
    if (temps.size) this.pending = this.pending.filter((p) => !temps.has(p.op.line_id));
  }
}

function touches(op, line) {
  return op.kind === 'add' ? op.line.line_id === line.line_id : op.line_id === line.line_id;
}

function confirms(mine, theirs, clientId) {
  if (mine.kind !== theirs.kind) return false;
  switch (mine.kind) {
    case 'add': {
      const a = mine.line;
      const b = theirs.line;
      return b.added_by === clientId && a.item_id === b.item_id && a.qty === b.qty
        && (a.note || null) === (b.note || null) && sameOptions(a.options, b.options);
    }
    case 'set_qty':
      return mine.line_id === theirs.line_id && mine.qty === theirs.qty;
    case 'set_note':
    case 'remove':
      return mine.line_id === theirs.line_id;
    default:
      return true;
  }
}

/** The ClientMessage for an operation. */
function toMessage(op) {
  switch (op.kind) {
    case 'add':
      return { type: 'add', item_id: op.line.item_id, options: op.line.options || {}, qty: op.line.qty, note: op.line.note || null };
    case 'set_qty':
      return { type: 'set_qty', line_id: op.line_id, qty: op.qty };
    case 'set_note':
      return { type: 'set_note', line_id: op.line_id, note: op.note || null };
    case 'remove':
      return { type: 'remove', line_id: op.line_id };
    default:
      return { type: 'clear' };
  }
}
