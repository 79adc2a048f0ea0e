//! `GET /api/v1/tables/{token}`: what the diner's page needs first.

use axum::extract::State;
use qrorder_shared::order::TableInfo;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::{location, restaurant};

use super::visits::{current_visit, table_by_token};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(table_info))
}

/// The table, its restaurant, the current visit and what the location
/// check will ask for. Opens a visit when the table has none.
#[utoipa::path(get, path = "/tables/{token}", tag = "diners",
    params(("token" = String, Path, description = "the table's token, from its QR code")),
    responses((status = 200, body = TableInfo), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn table_info(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<TableInfo>> {
    let table = table_by_token(&state, &token).await?;
    let r = restaurant::cached(&state, table.restaurant_id).await?;
    let visit = current_visit(&state.db, r.id, table.id).await?;
    Ok(Json(TableInfo {
        table_id: table.id,
        table_name: table.name,
        restaurant_name: r.name.clone(),
        currency: r.currency,
        languages: r.languages.clone(),
        visit_id: visit.id,
        location: location::requirements(&r),
        service_kinds: r.service_kinds.clone(),
    }))
}
