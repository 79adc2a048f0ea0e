//! The bill of a table: the current visit's orders (cancelled ones left
//! out) merged into lines, with tax and total; closing it marks the visit
//! paid and starts a new one, so pages of the old visit can order no more.

use std::collections::BTreeMap;

use axum::extract::State;
use qrorder_shared::TableId;
use qrorder_shared::order::{Bill, BillLine, OrderStatus, tax_and_total};
use qrorder_shared::{Money, RestaurantId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::infra::db::{Db, now_ms, to_json};
use crate::orders::{OrderFilter, list_all_orders};
use crate::restaurant;
use crate::state::AppState;
use crate::tables::{Visit, current_visit};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(table_bill))
        .routes(routes!(close_bill))
}

const BILLING: &str = "handle bills";

/// The bill of the table's current visit.
#[utoipa::path(get, path = "/tables/{id}/bill", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id")),
    responses((status = 200, body = Bill), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn table_bill(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Bill>> {
    caller.require_people(BILLING)?;
    let table = crate::tables::load(&state.db, caller.restaurant_id, TableId(id), "").await?;
    let visit = current_visit(&state.db, caller.restaurant_id, table.id).await?;
    Ok(Json(
        bill(
            &state.db,
            caller.restaurant_id,
            table.id,
            &table.name,
            visit,
        )
        .await?,
    ))
}

/// Close the bill: the visit is paid and ends, a new one begins. Answers
/// the closed bill.
#[utoipa::path(post, path = "/tables/{id}/close", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id")),
    responses((status = 200, body = Bill), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn close_bill(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Bill>> {
    caller.require_people(BILLING)?;
    let table = crate::tables::load(&state.db, caller.restaurant_id, TableId(id), "").await?;
    let visit = current_visit(&state.db, caller.restaurant_id, table.id).await?;
    let closed = sqlx::query(
        "UPDATE table_visits SET closed_at = $1, paid = 1 WHERE id = $2 AND closed_at IS NULL",
    )
    .bind(now_ms())
    .bind(visit.id)
    .execute(&state.db.pool)
    .await?;
    if closed.rows_affected() == 0 {
        return Err(ApiError::conflict(
            "already_closed",
            "this bill was closed a moment ago",
        ));
    }
    let final_bill = bill(
        &state.db,
        caller.restaurant_id,
        table.id,
        &table.name,
        visit,
    )
    .await?;
    current_visit(&state.db, caller.restaurant_id, table.id).await?;
    Ok(Json(final_bill))
}

async fn bill(
    db: &Db,
    restaurant_id: RestaurantId,
    table_id: TableId,
    table_name: &str,
    visit: Visit,
) -> ApiResult<Bill> {
    let r = restaurant::load(db, restaurant_id).await?;
    let filter = OrderFilter {
        visit_id: Some(visit.id),
        ..OrderFilter::default()
    };
    // Every order of the visit, however many pages they fill.
    let orders: Vec<_> = list_all_orders(db, restaurant_id, &filter)
        .await?
        .into_iter()
        .filter(|o| o.status != OrderStatus::Cancelled)
        .collect();
    // Same name, options and unit price make one line.
    let mut merged: BTreeMap<String, BillLine> = BTreeMap::new();
    for line in orders.iter().flat_map(|o| &o.items) {
        let key = to_json(&(&line.name, &line.options, line.unit_price.amount_minor));
        let entry = merged.entry(key).or_insert_with(|| BillLine {
            name: line.name.clone(),
            options: line.options.clone(),
            qty: 0,
            unit_price: line.unit_price,
            line_total: Money::new(0, r.currency),
        });
        entry.qty += line.qty;
        entry.line_total.amount_minor += line.line_total.amount_minor;
    }
    let subtotal: i64 = orders.iter().map(|o| o.subtotal.amount_minor).sum();
    let (tax, total) = tax_and_total(subtotal, r.tax_rate_bp, r.tax_included);
    Ok(Bill {
        table_id,
        table_name: table_name.to_owned(),
        visit_id: visit.id,
        opened_at: visit.opened_at,
        lines: merged.into_values().collect(),
        subtotal: Money::new(subtotal, r.currency),
        tax_rate_bp: r.tax_rate_bp,
        tax_included: r.tax_included,
        tax: Money::new(tax, r.currency),
        total: Money::new(total, r.currency),
        orders,
    })
}
