//! The bill of a table: the current visit's orders (cancelled ones left
//! out) merged into lines, with tax and total, its payments and what is
//! still due, and split on request into shares (by who added what to the
//! shared cart, evenly, or by the lines staff assigned) that sum to it
//! exactly (`shares.rs`, `split.rs`, `items.rs`). Payments are taken
//! against shares (`payments.rs`); the one that pays the bill in full, or
//! closing it, ends the visit and starts a new one, so pages of the old
//! visit can order no more. Diners read their visit's bill (`diner.rs`).

mod diner;
mod items;
mod payments;
mod shares;
mod split;

use axum::extract::State;
use qrorder_shared::bill::{Bill, tax_and_total};
use qrorder_shared::order::OrderStatus;
use qrorder_shared::payment::TableUpdate;
use qrorder_shared::{Money, RestaurantId, TableId};
use serde::Deserialize;
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path, Query};
use crate::infra::db::{Db, now_ms};
use crate::orders::{OrderFilter, list_all_orders};
use crate::restaurant;
use crate::state::AppState;
use crate::tables::{Visit, current_visit};

use shares::Split;

/// Under `/api/v1/admin`: owners and staff.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(table_bill))
        .routes(routes!(close_bill))
        .routes(routes!(payments::pay))
        .routes(routes!(items::assign_shares))
}

/// Under `/api/v1`: a diner's view of their visit's bill.
pub fn client_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(diner::diner_bill))
}

const BILLING: &str = "handle bills";

/// The most even shares a bill is split into.
const MAX_WAYS: u32 = 50;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
struct SplitQuery {
    /// `person`: a share per diner for what they added to the shared cart,
    /// and one for the table's lines (ordered without the cart, or entered
    /// by staff); `even`:
    /// `ways` equal shares; `items`: the shares staff assigned lines to
    /// (`POST …/bill/shares`), and the lines in none.
    split: Option<String>,
    /// With `split=even`: how many shares, 2 to 50.
    ways: Option<u32>,
}

impl SplitQuery {
    fn of(split: &str, ways: Option<u32>) -> Self {
        Self {
            split: Some(split.to_owned()),
            ways,
        }
    }

    fn parse(&self) -> ApiResult<Option<Split>> {
        let split = match self.split.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("person") => Some(Split::Person),
            Some("items") => Some(Split::Items),
            Some("even") => {
                let ways = self.ways.ok_or_else(|| {
                    ApiError::invalid("ways", "say how many shares: `ways=2` to `ways=50`")
                })?;
                if !(2..=MAX_WAYS).contains(&ways) {
                    return Err(ApiError::invalid(
                        "ways",
                        format!("{ways} is not 2 to {MAX_WAYS} shares"),
                    ));
                }
                Some(Split::Even(ways as usize))
            }
            Some(other) => {
                return Err(ApiError::invalid(
                    "split",
                    format!("`{other}` is not a split (person, even, items)"),
                ));
            }
        };
        if self.ways.is_some() && !matches!(split, Some(Split::Even(_))) {
            return Err(ApiError::invalid("ways", "`ways` goes with `split=even`"));
        }
        Ok(split)
    }
}

/// The bill of the table's current visit; with `split`, in shares that sum
/// exactly to it (tax and rounding divided by largest remainder), each with
/// what was paid against it and what is still due.
#[utoipa::path(get, path = "/tables/{id}/bill", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id"), SplitQuery),
    responses((status = 200, body = Bill), (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, body = qrorder_shared::ErrorBody, description = "a device"),
              (status = 404, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody, description = "`invalid_field`: `split` or `ways`")))]
async fn table_bill(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<SplitQuery>,
) -> ApiResult<Json<Bill>> {
    caller.require_people(BILLING)?;
    Ok(Json(
        bill_for_table(&state, caller.restaurant_id, TableId(id), &q).await?,
    ))
}

/// The current bill of a table of `restaurant`, split as `q` says.
async fn bill_for_table(
    state: &AppState,
    restaurant: RestaurantId,
    id: TableId,
    q: &SplitQuery,
) -> ApiResult<Bill> {
    let split = q.parse()?;
    let table = crate::tables::load(&state.db, restaurant, id, "").await?;
    let visit = current_visit(&state.db, restaurant, table.id).await?;
    let mut bill = bill(&state.db, restaurant, table.id, &table.name, visit).await?;
    bill.shares = match split {
        None => None,
        Some(Split::Person) => Some(shares::by_person(&bill)),
        Some(Split::Even(ways)) => Some(shares::evenly(&bill, ways)),
        Some(Split::Items) => {
            let mut lines = items::visit_items(&state.db, &bill).await?;
            let assigned = items::assigned(&state.db, bill.visit_id).await?;
            let s = shares::by_items(&bill, &mut lines, &assigned.shares);
            bill.items = Some(lines);
            Some(s)
        }
    };
    Ok(bill)
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
struct CloseQuery {
    /// The total the staff member was shown. When the bill is no longer
    /// that (an order came in meanwhile), nothing is closed: 409
    /// `bill_changed` with the current total.
    expected_total_minor: Option<i64>,
}

fn bill_changed(total: i64) -> ApiError {
    ApiError::conflict(
        "bill_changed",
        "the bill changed since it was shown (an order came in or was cancelled); nothing was done — look at it again",
    )
    .with_details(serde_json::json!({ "total_minor": total }))
}

/// The total of a visit's orders not cancelled, as its bill computes it,
/// read on `conn` (inside the caller's transaction).
async fn visit_total(
    conn: &mut sqlx::AnyConnection,
    visit_id: i64,
    rate_bp: u32,
    included: bool,
) -> ApiResult<i64> {
    let subtotal: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(subtotal_minor), 0) AS BIGINT) AS subtotal FROM orders \
         WHERE visit_id = $1 AND status <> 'cancelled'",
    )
    .bind(visit_id)
    .fetch_one(&mut *conn)
    .await?
    .try_get("subtotal")?;
    Ok(tax_and_total(subtotal, rate_bp, included).1)
}

/// Close the bill: the visit is paid and ends (whatever payments were
/// recorded), a new one begins. Answers the closed bill.
#[utoipa::path(post, path = "/tables/{id}/close", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id"), CloseQuery),
    responses((status = 200, body = Bill), (status = 404, body = qrorder_shared::ErrorBody),
              (status = 409, body = qrorder_shared::ErrorBody, description = "`already_closed`, or `bill_changed` (not the expected total)")))]
async fn close_bill(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<CloseQuery>,
) -> ApiResult<Json<Bill>> {
    caller.require_people(BILLING)?;
    let table = crate::tables::load(&state.db, caller.restaurant_id, TableId(id), "").await?;
    let visit = current_visit(&state.db, caller.restaurant_id, table.id).await?;
    let r = restaurant::load(&state.db, caller.restaurant_id).await?;
    let mut tx = state.db.pool.begin().await?;
    // Closing takes the visit's row first: an order being placed on it
    // waits, then finds it closed (`visit_closed`), so the total checked
    // below is the total closed.
    // With the tax it is closed with: later settings do not change it.
    let closed = sqlx::query(
        "UPDATE table_visits SET closed_at = $1, paid = 1, tax_rate_bp = $3, tax_included = $4 \
         WHERE id = $2 AND closed_at IS NULL",
    )
    .bind(now_ms())
    .bind(visit.id)
    .bind(i64::from(r.tax_rate_bp))
    .bind(i64::from(r.tax_included))
    .execute(&mut *tx)
    .await?;
    if closed.rows_affected() == 0 {
        return Err(ApiError::conflict(
            "already_closed",
            "this bill was closed a moment ago",
        ));
    }
    if let Some(expected) = q.expected_total_minor {
        let total = visit_total(&mut tx, visit.id, r.tax_rate_bp, r.tax_included).await?;
        if total != expected {
            drop(tx);
            return Err(bill_changed(total));
        }
    }
    tx.commit().await?;
    let final_bill = bill(
        &state.db,
        caller.restaurant_id,
        table.id,
        &table.name,
        visit,
    )
    .await?;
    announce(
        &state,
        caller.restaurant_id,
        table.id,
        visit.id,
        final_bill.paid.amount_minor,
        final_bill.due.amount_minor,
        true,
    )
    .await?;
    Ok(Json(final_bill))
}

/// After a payment or a close: a closed visit's table gets its next visit
/// at once, and the staff feed hears the table's new state.
async fn announce(
    state: &AppState,
    restaurant: RestaurantId,
    table: TableId,
    visit_id: i64,
    paid: i64,
    due: i64,
    closed: bool,
) -> ApiResult<()> {
    let r = restaurant::load(&state.db, restaurant).await?;
    let next_visit_id = if closed {
        Some(current_visit(&state.db, restaurant, table).await?.id)
    } else {
        None
    };
    let update = TableUpdate {
        table_id: table,
        visit_id,
        paid: Some(Money::new(paid, r.currency)),
        due: Some(Money::new(due, r.currency)),
        closed,
        next_visit_id,
        people: None,
    };
    state.notify().table(restaurant, &update).await;
    Ok(())
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
        // Voided lines are on no bill (the order's totals left them out).
        .map(|mut o| {
            o.items.retain(|l| l.voided.is_none());
            o
        })
        .collect();
    let lines = shares::merge(orders.iter().flat_map(|o| &o.items), r.currency);
    let subtotal: i64 = orders.iter().map(|o| o.subtotal.amount_minor).sum();
    let (tax, total) = tax_and_total(subtotal, r.tax_rate_bp, r.tax_included);
    let mut bill = Bill {
        table_id,
        table_name: table_name.to_owned(),
        visit_id: visit.id,
        opened_at: visit.opened_at,
        lines,
        subtotal: Money::new(subtotal, r.currency),
        tax_rate_bp: r.tax_rate_bp,
        tax_included: r.tax_included,
        tax: Money::new(tax, r.currency),
        total: Money::new(total, r.currency),
        orders,
        payments: payments::of_visit(db, visit.id).await?,
        paid: Money::new(0, r.currency),
        due: Money::new(0, r.currency),
        items: None,
        shares: None,
    };
    payments::standing(&mut bill);
    Ok(bill)
}
