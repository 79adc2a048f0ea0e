// The admin API (/api/v1/admin/…) with the session's bearer token. A 401
// (session expired or revoked) waits for the user to sign in again — the
// page and its open forms stay as they are — and then repeats the call once.

import { S, tr } from './state.js';

export const API = '/api/v1/admin';

/** A refusal: HTTP status (0 = no answer) plus the body's `code`, `message`, `details`. */
export class ApiFailure extends Error {
  constructor(status, body, retryAfter = null) {
    super(body?.message || (status ? `HTTP ${status}` : 'network'));
    this.status = status;
    this.code = body?.code || (status ? `http_${status}` : 'network');
    this.details = body?.details || null;
    this.retryAfter = retryAfter;
  }
}

let unauthorized = async () => { throw new Error('not signed in'); };
/** `fn()` resolves once signed in again (set by session.js). */
export function onUnauthorized(fn) { unauthorized = fn; }

/**
 * Calls `method path` with `body` (JSON, or a FormData sent as multipart).
 * Resolves to the parsed JSON (null for 204), or a Blob with `{blob: true}`;
 * `headers` are sent as well (an `Idempotency-Key`).
 */
export async function api(method, path, body, { blob = false, auth = true, headers: extra = {} } = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { accept: blob ? '*/*' : 'application/json', ...extra };
    if (auth && S.session) headers.authorization = `Bearer ${S.session.token}`;
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(API + path, { method, headers, body: payload });
    } catch {
      throw new ApiFailure(0, null);
    }
    if (res.status === 401 && auth && attempt === 0) {
      await unauthorized();
      continue;
    }
    if (!res.ok) {
      const retry = Number(res.headers.get('retry-after')) || null;
      throw new ApiFailure(res.status, await res.json().catch(() => null), retry);
    }
    if (blob) return res.blob();
    if (res.status === 204) return null;
    return res.json();
  }
}

/** A failure in words for the person at the screen. */
export function failureText(e) {
  if (!(e instanceof ApiFailure)) return tr('err_generic', { m: String(e?.message || e) });
  if (e.status === 0) return tr('err_network');
  if (e.status === 403) return tr('err_forbidden');
  return tr('err_generic', { m: e.message });
}

/** Fetches `path` (authenticated) and saves it as `filename`. */
export async function download(path, filename) {
  const data = await api('GET', path, undefined, { blob: true });
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
