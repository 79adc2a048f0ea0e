//! `GET /api/v1/tables/{token}/bill`: the bill of the diner's current visit
//! (never an earlier one: a closed visit's bill is no one's at the table
//! now) and, by the diner's `client_id`, their own share of it.

use axum::extract::State;
use qrorder_shared::bill::DinerBill;
use serde::Deserialize;

use super::{bill, shares};
use crate::http::error::ApiResult;
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::tables::{current_visit, table_by_token};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(super) struct MineQuery {
    /// The diner's `client_id` (as in their socket's `hello`): their share
    /// is what they added to the shared cart, with its part of the tax.
    client_id: Option<String>,
}

/// The current visit's bill as the table's diners may see it: its lines,
/// totals, what was paid and is due, and the asking diner's share.
#[utoipa::path(get, path = "/tables/{token}/bill", tag = "diners",
    params(("token" = String, Path, description = "the table's token"), MineQuery),
    responses((status = 200, body = DinerBill), (status = 404, body = qrorder_shared::ErrorBody)))]
pub(super) async fn diner_bill(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<MineQuery>,
) -> ApiResult<Json<DinerBill>> {
    let table = table_by_token(&state, &token).await?;
    let visit = current_visit(&state.db, table.restaurant_id, table.id).await?;
    let b = bill(&state.db, table.restaurant_id, table.id, &table.name, visit).await?;
    let mine = q
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty())
        .and_then(|c| {
            let id = format!("diner:{c}");
            shares::by_person(&b).into_iter().find(|s| s.id == id)
        });
    Ok(Json(DinerBill {
        visit_id: b.visit_id,
        lines: b.lines,
        subtotal: b.subtotal,
        tax_rate_bp: b.tax_rate_bp,
        tax_included: b.tax_included,
        tax: b.tax,
        total: b.total,
        paid: b.paid,
        due: b.due,
        mine,
    }))
}
