// Asking for service from the table (call staff, water, the bill): with the
// phone's location when the restaurant asks for it, as for an order, and
// every refusal put into words. Asking again while a request of the kind
// is open gets that request back from the server: no second one.

import { ApiFailure, postServiceRequest, putRequest } from './api.js';
import { S, tr, views } from './state.js';
import { LocationFailure, locate, locationError, needsGps } from './ordering.js';
import { toast } from './toasts.js';

/** The latest request of `kind` at this table (`undefined`: none yet). */
export function latest(kind) {
  return S.requests.filter((r) => r.kind === kind).at(-1);
}

/** Asks for `kind` (`call_staff`, `water`, `bill`). */
export async function askService(kind) {
  if (S.asking) return;
  S.asking = kind;
  S.serviceError = null;
  views.service();
  try {
    const body = { visit_id: S.table.visit_id, kind };
    if (needsGps()) body.location = await locate();
    let answer;
    try {
      answer = await postServiceRequest(body);
    } catch (e) {
      if (!(e instanceof ApiFailure)) throw e;
      refused(e);
      return;
    }
    putRequest(answer.request);
    // (The socket may have told of a new one before this answer came.)
    if (!answer.created) toast(tr('service_already', { what: tr(`service_${kind}`) }));
  } catch (e) {
    S.serviceError = e instanceof LocationFailure ? tr(e.message) : tr('err_network');
  } finally {
    S.asking = null;
    views.service();
  }
}

function refused(e) {
  switch (e.code) {
    case 'outside_restaurant': {
      const reason = e.details?.reason;
      if (reason === 'location_required' && !needsGps() && S.table.location.gps_accepted) S.needGps = true;
      if (reason === 'location_inaccurate' || reason === 'too_far') S.fix = null;
      S.serviceError = locationError(reason);
      break;
    }
    case 'service_kind_off':
      // Switched off since the page loaded: show what is offered now.
      if (Array.isArray(e.details?.offered)) S.table.service_kinds = e.details.offered;
      S.serviceError = tr('err_service_off');
      views.header();
      break;
    case 'too_many_requests':
      S.serviceError = tr('err_service_often');
      break;
    case 'visit_closed':
      S.serviceError = tr('err_visit_closed');
      break;
    default:
      S.serviceError = e.status === 503 ? tr('err_busy') : tr('err_generic', { code: e.code });
  }
}
