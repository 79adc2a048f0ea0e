//! Orders: placing them (client API), following them (diners), handling
//! them (admin API and kitchen devices), and the outbox that feeds the
//! kitchen stream.

mod admin;
mod from_cart;
mod idempotency;
mod outbox;
mod place;
pub mod rules;
mod stock;
mod store;
mod submit;

use axum::extract::State;
use qrorder_shared::order::Order;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::tables::{current_visit, resolve_token};

pub use outbox::relay as outbox_relay;
pub use store::{Filter as OrderFilter, list as list_orders};

/// Under `/api/v1`: what diners do with a table token.
pub fn client_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(visit_orders, submit::place_order))
}

/// Under `/api/v1/admin`.
pub fn admin_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(admin::list_orders))
        .routes(routes!(admin::get_order, admin::change_status))
}

/// The orders of the table's current visit, with their statuses.
#[utoipa::path(get, path = "/tables/{token}/orders", tag = "diners",
    params(("token" = String, Path, description = "the table's token")),
    responses((status = 200, body = Vec<Order>), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn visit_orders(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<Vec<Order>>> {
    let table = resolve_token(&state.db, &token).await?;
    let visit = current_visit(&state.db, table.restaurant_id, table.id).await?;
    let filter = store::Filter {
        visit_id: Some(visit.id),
        limit: 1000,
        ..store::Filter::default()
    };
    Ok(Json(
        store::list(&state.db, table.restaurant_id, &filter).await?,
    ))
}
