//! Service requests: a diner asks for staff, water or the bill from the
//! table's page (location-guarded like an order, rate-limited per visit,
//! one open request per kind); staff acknowledge and finish them. Every
//! change goes to the staff feed and the table's diners.

mod store;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use qrorder_shared::TableId;
use qrorder_shared::service::{NewServiceRequest, ServiceRequest, ServiceState};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path, Query};
use crate::infra::db::now_ms;
use crate::infra::ratelimit::{self, Bucket};
use crate::state::AppState;
use crate::tables::{current_visit, table_by_token};
use crate::{location, restaurant};

/// Under `/api/v1`: what diners ask for with a table token.
pub fn client_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(visit_requests, ask))
}

/// Under `/api/v1/admin`: owners and staff.
pub fn admin_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests))
        .routes(routes!(ack))
        .routes(routes!(finish))
}

fn visit_closed() -> ApiError {
    ApiError::conflict(
        "visit_closed",
        "This table's bill has been closed since the page was opened. Scan the code on your table again.",
    )
}

/// Ask for staff, water or the bill. While a request of the kind is not
/// done, asking again answers that one (200) and makes no other.
#[utoipa::path(post, path = "/tables/{token}/service-requests", tag = "diners",
    request_body = NewServiceRequest,
    params(("token" = String, Path, description = "the table's token")),
    responses(
        (status = 201, body = ServiceRequest, description = "asked"),
        (status = 200, body = ServiceRequest, description = "one of this kind is open already: that one"),
        (status = 403, body = qrorder_shared::ErrorBody, description = "`outside_restaurant` with `details.reason`, as for an order"),
        (status = 404, body = qrorder_shared::ErrorBody),
        (status = 409, body = qrorder_shared::ErrorBody, description = "`visit_closed`"),
        (status = 422, body = qrorder_shared::ErrorBody, description = "`service_kind_off` (the restaurant does not offer it), `invalid_location`, `invalid_body`"),
        (status = 429, body = qrorder_shared::ErrorBody, description = "`too_many_requests`, with `Retry-After`")))]
async fn ask(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Json(req): Json<NewServiceRequest>,
) -> ApiResult<(StatusCode, Json<ServiceRequest>)> {
    let table = table_by_token(&state, &token).await?;
    let r = restaurant::cached(&state, table.restaurant_id).await?;
    location::guard(&r, peer, &headers, req.location.as_ref(), now_ms())?;
    if !r.service_kinds.contains(&req.kind) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "service_kind_off",
            format!(
                "this restaurant does not take `{}` requests from the table",
                req.kind.as_str()
            ),
        )
        .with_details(json!({ "offered": r.service_kinds })));
    }
    let visit = current_visit(&state.db, r.id, table.id).await?;
    if req.visit_id != visit.id {
        return Err(visit_closed());
    }
    check_rate(&state, r.id, visit.id).await?;
    let place = store::Place {
        restaurant: r.id,
        table_id: table.id,
        table_name: &table.name,
        visit_id: visit.id,
    };
    let (request, created) = store::open_or_pending(&state.db, &place, req.kind)
        .await?
        .ok_or_else(visit_closed)?;
    if !created {
        return Ok((StatusCode::OK, Json(request)));
    }
    state.notify().service_request(r.id, &request).await;
    Ok((StatusCode::CREATED, Json(request)))
}

/// Every request (a repeat included) counts against the visit's budget.
/// Redis away: not enforced (a warning): a diner must still reach staff.
async fn check_rate(
    state: &AppState,
    restaurant: qrorder_shared::RestaurantId,
    visit: i64,
) -> ApiResult<()> {
    // A token bucket: the window's requests at once, then one more every
    // window / requests.
    let per_window = state.config.service_requests_per_window.max(1);
    let bucket = Bucket::every_secs(
        state.keys.service_rate(restaurant, visit),
        per_window,
        (state.config.service_window_secs / u64::from(per_window)).max(1),
    );
    let taken = async {
        let mut conn = state.redis.conn().await?;
        ratelimit::take(&mut conn, &[bucket], None).await
    }
    .await;
    match taken {
        Ok(Some(refused)) => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "this table has asked very often; staff have been told, please wait a little",
            );
            e.retry_after_secs = Some(refused.retry_after_secs);
            Err(e)
        }
        Ok(None) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "service request rate limit not enforced: Redis unreachable");
            Ok(())
        }
    }
}

/// The requests of the table's current visit, oldest first, with their
/// states (nothing of an earlier visit).
#[utoipa::path(get, path = "/tables/{token}/service-requests", tag = "diners",
    params(("token" = String, Path, description = "the table's token")),
    responses((status = 200, body = Vec<ServiceRequest>), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn visit_requests(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<Vec<ServiceRequest>>> {
    let table = table_by_token(&state, &token).await?;
    let visit = current_visit(&state.db, table.restaurant_id, table.id).await?;
    Ok(Json(store::of_visit(&state.db, visit.id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// Comma-separated states: `open`, `acked`, `done`. Default `open,acked`.
    state: Option<String>,
    table_id: Option<i64>,
}

const HANDLE: &str = "handle service requests";

/// The requests of the tables' current visits (a closed visit's are over),
/// oldest first, at most 1000.
#[utoipa::path(get, path = "/service-requests", tag = "service", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Vec<ServiceRequest>), (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, body = qrorder_shared::ErrorBody, description = "a device"),
              (status = 422, body = qrorder_shared::ErrorBody)))]
async fn list_requests(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<ServiceRequest>>> {
    caller.require_people(HANDLE)?;
    let states = match q.state.as_deref().map(str::trim) {
        None | Some("") => vec![ServiceState::Open, ServiceState::Acked],
        Some(list) => list
            .split(',')
            .map(|s| {
                ServiceState::parse(s.trim()).ok_or_else(|| {
                    ApiError::invalid(
                        "state",
                        format!("`{s}` is not a request state (open, acked, done)"),
                    )
                })
            })
            .collect::<ApiResult<_>>()?,
    };
    Ok(Json(
        store::list(
            &state.db,
            caller.restaurant_id,
            &states,
            q.table_id.map(TableId),
        )
        .await?,
    ))
}

/// Staff are on the way. Acknowledging an acknowledged request changes nothing.
#[utoipa::path(post, path = "/service-requests/{id}/ack", tag = "service", security(("bearer" = [])),
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = ServiceRequest), (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, body = qrorder_shared::ErrorBody, description = "a device"),
              (status = 404, body = qrorder_shared::ErrorBody),
              (status = 409, body = qrorder_shared::ErrorBody, description = "`illegal_transition`: it is done")))]
async fn ack(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ServiceRequest>> {
    advance(&state, caller, id, ServiceState::Acked).await
}

/// Done. Finishing a finished request changes nothing.
#[utoipa::path(post, path = "/service-requests/{id}/done", tag = "service", security(("bearer" = [])),
    params(("id" = i64, Path, description = "request id")),
    responses((status = 200, body = ServiceRequest), (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, body = qrorder_shared::ErrorBody, description = "a device"),
              (status = 404, body = qrorder_shared::ErrorBody)))]
async fn finish(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ServiceRequest>> {
    advance(&state, caller, id, ServiceState::Done).await
}

async fn advance(
    state: &AppState,
    caller: Caller,
    id: i64,
    to: ServiceState,
) -> ApiResult<Json<ServiceRequest>> {
    caller.require_people(HANDLE)?;
    let r = caller.restaurant_id;
    if let Some(changed) = store::advance(&state.db, r, id, to, caller.user_id).await? {
        state.notify().service_request(r, &changed).await;
        return Ok(Json(changed));
    }
    let current = store::load(&state.db, r, id).await?;
    if current.state == to {
        return Ok(Json(current));
    }
    Err(ApiError::conflict(
        qrorder_shared::error::codes::ILLEGAL_TRANSITION,
        format!(
            "the request is {} and cannot become {}",
            current.state.as_str(),
            to.as_str()
        ),
    )
    .with_details(json!({ "current_state": current.state })))
}
