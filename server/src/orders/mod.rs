//! Orders: placing them (client API), following them (diners), handling
//! them (admin API and kitchen devices), staff entering them and voiding
//! their lines, and the outbox that feeds the kitchen stream.

mod admin;
mod from_cart;
mod idempotency;
mod kitchen;
mod outbox;
mod place;
pub mod rules;
mod staff;
mod stock;
mod store;
mod submit;
mod void;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use qrorder_shared::order::Order;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::tables::{current_visit, table_by_token};

pub use idempotency::{idempotency_key_for, request_hash, same_request};
pub use outbox::relay as outbox_relay;
pub use rules::business_day;
pub use store::{Filter as OrderFilter, list_all as list_all_orders};

/// Sent with a page of orders when more follow: the `cursor` to ask for
/// the next page with. Absent on the last page.
pub const NEXT_CURSOR: HeaderName = HeaderName::from_static("next-cursor");

/// A page of orders as an answer: the orders, and `Next-Cursor` when more follow.
fn paged(page: store::Page) -> (HeaderMap, Json<Vec<Order>>) {
    let mut headers = HeaderMap::new();
    if let Some(next) = page.next_cursor {
        headers.insert(NEXT_CURSOR, HeaderValue::from(next));
    }
    (headers, Json(page.orders))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct PageQuery {
    /// The `Next-Cursor` of the page before: the orders after it.
    cursor: Option<i64>,
}

/// Under `/api/v1`: what diners do with a table token.
pub fn client_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(visit_orders, submit::place_order))
}

/// Under `/api/v1/admin`.
pub fn admin_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(admin::list_orders))
        .routes(routes!(admin::get_order, admin::change_status))
        .routes(routes!(staff::enter_order))
        .routes(routes!(void::void_lines))
        .routes(routes!(kitchen::confirm))
}

/// The orders of the table's current visit, with their statuses, oldest
/// first, 1000 a page: `Next-Cursor` says that more follow.
#[utoipa::path(get, path = "/tables/{token}/orders", tag = "diners",
    params(("token" = String, Path, description = "the table's token"), PageQuery),
    responses((status = 200, body = Vec<Order>,
               headers(("Next-Cursor" = i64, description = "more orders follow: ask again with `cursor` set to this"))),
              (status = 404, body = qrorder_shared::ErrorBody)))]
async fn visit_orders(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Order>>)> {
    let table = table_by_token(&state, &token).await?;
    let visit = current_visit(&state.db, table.restaurant_id, table.id).await?;
    let filter = store::Filter {
        visit_id: Some(visit.id),
        after_id: q.cursor,
        limit: store::MAX_PAGE,
        ..store::Filter::default()
    };
    Ok(paged(
        store::list(&state.db, table.restaurant_id, &filter).await?,
    ))
}
