//! `split=items`: the visit's ordered lines, each with an id, and the shares
//! staff assign them to (`POST /tables/{id}/bill/shares`), stored per visit.
//! Once a payment was taken against an item share, the assignment stays.

use axum::extract::State;
use axum::http::StatusCode;
use qrorder_shared::bill::{Bill, BillItem};
use qrorder_shared::order::Diner;
use qrorder_shared::payment::ItemShares;
use qrorder_shared::{LocalizedText, Money, TableId};
use serde_json::json;
use sqlx::Row;

use super::{BILLING, SplitQuery, bill_for_table};
use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::infra::db::{Db, from_json, now_ms, to_json};
use crate::state::AppState;

/// The most item shares a bill is assigned to.
const MAX_SHARES: usize = 50;

/// Every line of the visit's orders that are not cancelled, voided lines
/// left out, oldest first.
pub async fn visit_items(db: &Db, bill: &Bill) -> ApiResult<Vec<BillItem>> {
    let currency = bill.total.currency;
    let rows = sqlx::query(
        "SELECT i.id, i.order_id, i.names, i.qty, i.line_total_minor, i.added_by_client, i.added_by_name \
         FROM order_items i JOIN orders o ON o.id = i.order_id \
         WHERE o.visit_id = $1 AND o.status <> 'cancelled' AND i.void_id IS NULL ORDER BY i.id",
    )
    .bind(bill.visit_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let line_id: i64 = row.try_get("id")?;
            // Who entered it, as the bill's orders read it.
            let entered_by = bill
                .orders
                .iter()
                .flat_map(|o| &o.items)
                .find(|l| l.id == line_id)
                .and_then(|l| l.entered_by.clone());
            Ok(BillItem {
                line_id,
                order_id: row.try_get("order_id")?,
                name: from_json::<LocalizedText>("names", &row.try_get::<String, _>("names")?)?,
                qty: u32::try_from(row.try_get::<i64, _>("qty")?).unwrap_or(0),
                line_total: Money::new(row.try_get("line_total_minor")?, currency),
                added_by: match (
                    row.try_get::<Option<String>, _>("added_by_client")?,
                    row.try_get::<Option<String>, _>("added_by_name")?,
                ) {
                    (Some(client_id), Some(nickname)) => Some(Diner {
                        client_id,
                        nickname,
                    }),
                    _ => None,
                },
                entered_by,
                shares: Vec::new(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The visit's item shares as staff last assigned them (none yet: empty).
pub async fn assigned(db: &Db, visit_id: i64) -> ApiResult<ItemShares> {
    let row = sqlx::query("SELECT shares FROM bill_item_shares WHERE visit_id = $1")
        .bind(visit_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(match row {
        Some(r) => from_json("shares", &r.try_get::<String, _>("shares")?)?,
        None => ItemShares { shares: Vec::new() },
    })
}

/// Assign the visit's lines to shares (`split=items`): each share names
/// the `line_id`s it pays for; a line in several shares is divided between
/// them by largest remainder; lines in none make the `unassigned` share.
/// Replaces the assignment before; answers the bill split by items.
#[utoipa::path(post, path = "/tables/{id}/bill/shares", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id")), request_body = ItemShares,
    responses((status = 200, body = Bill), (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, body = qrorder_shared::ErrorBody, description = "a device"),
              (status = 404, body = qrorder_shared::ErrorBody),
              (status = 409, body = qrorder_shared::ErrorBody, description = "`shares_paid`: a payment was taken against an item share"),
              (status = 422, body = qrorder_shared::ErrorBody, description = "`invalid_field`: a name, too many shares, or a line not on this bill")))]
pub(super) async fn assign_shares(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<ItemShares>,
) -> ApiResult<Json<Bill>> {
    caller.require_people(BILLING)?;
    let items_query = SplitQuery {
        split: Some("items".into()),
        ways: None,
    };
    let bill = bill_for_table(&state, caller.restaurant_id, TableId(id), &items_query).await?;
    if req.shares.len() > MAX_SHARES {
        return Err(ApiError::invalid(
            "shares",
            format!("at most {MAX_SHARES} shares"),
        ));
    }
    let known: Vec<i64> = bill.items.iter().flatten().map(|i| i.line_id).collect();
    for (i, s) in req.shares.iter().enumerate() {
        let name = s.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(ApiError::invalid(
                &format!("shares[{i}].name"),
                "give each share a name of 1 to 40 characters",
            ));
        }
        if let Some(bad) = s.line_ids.iter().find(|l| !known.contains(l)) {
            return Err(ApiError::invalid(
                &format!("shares[{i}].line_ids"),
                format!("line {bad} is not on this bill"),
            )
            .with_details(json!({ "field": format!("shares[{i}].line_ids"), "line_id": bad })));
        }
    }
    if bill.payments.iter().any(|p| {
        p.share
            .as_deref()
            .is_some_and(|s| s.starts_with("items:") || s == "unassigned")
    }) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "shares_paid",
            "a payment was already taken against these shares; they stay as they are",
        ));
    }
    let mut clean = req.clone();
    for s in &mut clean.shares {
        s.name = s.name.trim().to_owned();
        s.line_ids.sort_unstable();
        s.line_ids.dedup();
    }
    sqlx::query(
        "INSERT INTO bill_item_shares (visit_id, shares, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (visit_id) DO UPDATE SET shares = excluded.shares, updated_at = excluded.updated_at",
    )
    .bind(bill.visit_id)
    .bind(to_json(&clean))
    .bind(now_ms())
    .execute(&state.db.pool)
    .await?;
    Ok(Json(
        bill_for_table(&state, caller.restaurant_id, TableId(id), &items_query).await?,
    ))
}
