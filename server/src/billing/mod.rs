//! The bill of a table: the current visit's orders (cancelled ones left
//! out) merged into lines, with tax and total, and split on request into
//! shares (by who added what to the shared cart, or evenly) that sum to it
//! exactly (`split.rs`); closing it marks the visit paid and starts a new
//! one, so pages of the old visit can order no more.

mod split;

use std::collections::BTreeMap;

use axum::extract::State;
use qrorder_shared::order::{
    Bill, BillLine, BillShare, Diner, OrderLine, OrderStatus, ShareKind, tax_and_total,
};
use qrorder_shared::{Currency, Money, RestaurantId, TableId};
use serde::Deserialize;
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path, Query};
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

/// The most even shares a bill is split into.
const MAX_WAYS: u32 = 50;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct SplitQuery {
    /// `person`: a share per diner for what they added to the shared cart,
    /// and one for the table's lines (ordered without the cart); `even`:
    /// `ways` equal shares.
    split: Option<String>,
    /// With `split=even`: how many shares, 2 to 50.
    ways: Option<u32>,
}

enum Split {
    Person,
    Even(usize),
}

impl SplitQuery {
    fn parse(&self) -> ApiResult<Option<Split>> {
        let split = match self.split.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("person") => Some(Split::Person),
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
                    format!("`{other}` is not a split (person, even)"),
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
/// exactly to it (tax and rounding divided by largest remainder).
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
    let split = q.parse()?;
    let table = crate::tables::load(&state.db, caller.restaurant_id, TableId(id), "").await?;
    let visit = current_visit(&state.db, caller.restaurant_id, table.id).await?;
    let mut bill = bill(
        &state.db,
        caller.restaurant_id,
        table.id,
        &table.name,
        visit,
    )
    .await?;
    bill.shares = match split {
        None => None,
        Some(Split::Person) => Some(by_person(&bill)),
        Some(Split::Even(ways)) => Some(evenly(&bill, ways)),
    };
    Ok(Json(bill))
}

/// Same name, options and unit price make one line.
fn merge<'a>(lines: impl IntoIterator<Item = &'a OrderLine>, currency: Currency) -> Vec<BillLine> {
    let mut merged: BTreeMap<String, BillLine> = BTreeMap::new();
    for line in lines {
        let key = to_json(&(&line.name, &line.options, line.unit_price.amount_minor));
        let entry = merged.entry(key).or_insert_with(|| BillLine {
            name: line.name.clone(),
            options: line.options.clone(),
            qty: 0,
            unit_price: line.unit_price,
            line_total: Money::new(0, currency),
        });
        entry.qty += line.qty;
        entry.line_total.amount_minor += line.line_total.amount_minor;
    }
    merged.into_values().collect()
}

/// A share per diner (in the order they first appear on the bill, named as
/// they last ordered) and one for the table's lines, if it has any.
fn by_person(bill: &Bill) -> Vec<BillShare> {
    let currency = bill.total.currency;
    // client_id → (the diner as last seen, their lines); `None`: the table.
    let mut owners: Vec<Option<String>> = Vec::new();
    let mut groups: BTreeMap<Option<String>, (Option<Diner>, Vec<&OrderLine>)> = BTreeMap::new();
    for line in bill.orders.iter().flat_map(|o| &o.items) {
        let owner = line.added_by.as_ref().map(|d| d.client_id.clone());
        let group = groups.entry(owner.clone()).or_insert_with(|| {
            owners.push(owner.clone());
            (None, Vec::new())
        });
        if line.added_by.is_some() {
            group.0 = line.added_by.clone();
        }
        group.1.push(line);
    }
    // The table's share last.
    owners.sort_by_key(Option::is_none);
    let subtotals: Vec<i64> = owners
        .iter()
        .map(|o| groups[o].1.iter().map(|l| l.line_total.amount_minor).sum())
        .collect();
    let parts = split::by_subtotals(&subtotals, bill.tax.amount_minor, bill.tax_included);
    owners
        .iter()
        .zip(parts)
        .map(|(owner, part)| {
            let (diner, lines) = &groups[owner];
            BillShare {
                kind: if owner.is_some() {
                    ShareKind::Diner
                } else {
                    ShareKind::Table
                },
                name: diner
                    .as_ref()
                    .map_or_else(|| bill.table_name.clone(), |d| d.nickname.clone()),
                diner: diner.clone(),
                lines: merge(lines.iter().copied(), currency),
                subtotal: Money::new(part.subtotal, currency),
                tax: Money::new(part.tax, currency),
                total: Money::new(part.total, currency),
            }
        })
        .collect()
}

/// `ways` equal shares of the total, at most one minor unit apart.
fn evenly(bill: &Bill, ways: usize) -> Vec<BillShare> {
    let currency = bill.total.currency;
    split::even(
        bill.total.amount_minor,
        bill.tax.amount_minor,
        bill.tax_included,
        ways,
    )
    .into_iter()
    .enumerate()
    .map(|(i, part)| BillShare {
        kind: ShareKind::Even,
        name: format!("{}/{ways}", i + 1),
        diner: None,
        lines: Vec::new(),
        subtotal: Money::new(part.subtotal, currency),
        tax: Money::new(part.tax, currency),
        total: Money::new(part.total, currency),
    })
    .collect()
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
struct CloseQuery {
    /// The total the staff member was shown. When the bill is no longer
    /// that (an order came in meanwhile), nothing is closed: 409
    /// `bill_changed` with the current total.
    expected_total_minor: Option<i64>,
}

/// Close the bill: the visit is paid and ends, a new one begins. Answers
/// the closed bill.
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
        let subtotal: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(subtotal_minor), 0) AS BIGINT) AS subtotal FROM orders \
             WHERE visit_id = $1 AND status <> 'cancelled'",
        )
        .bind(visit.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("subtotal")?;
        let (_, total) = tax_and_total(subtotal, r.tax_rate_bp, r.tax_included);
        if total != expected {
            drop(tx);
            return Err(ApiError::conflict(
                "bill_changed",
                "the bill changed since it was shown (an order came in or was cancelled); nothing was closed — look at it again",
            )
            .with_details(serde_json::json!({ "total_minor": total })));
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
        // Voided lines are on no bill (the order's totals left them out).
        .map(|mut o| {
            o.items.retain(|l| l.voided.is_none());
            o
        })
        .collect();
    let lines = merge(orders.iter().flat_map(|o| &o.items), r.currency);
    let subtotal: i64 = orders.iter().map(|o| o.subtotal.amount_minor).sum();
    let (tax, total) = tax_and_total(subtotal, r.tax_rate_bp, r.tax_included);
    Ok(Bill {
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
        shares: None,
    })
}
