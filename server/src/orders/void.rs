//! Voids: staff take lines off an order, with a reason. In one
//! transaction the lines are marked (a row of `order_voids` they point
//! at), their stock is given back, the order's totals are what is left
//! (so the bill counts only what stands), and an outbox row carries a
//! `VoidPayload` to the kitchen stream, published like an order — never
//! lost. An order with no line left is cancelled. After the commit the
//! order as it now stands goes to the consoles and the table's pages
//! (`order_changed`).
//!
//! What can be voided: the lines of an order that is placed, accepted,
//! preparing or ready, not voided before, while the table's bill is open.
//! Served food is on the table (409 `not_voidable`; a cancelled order
//! too), a line voided before is 409 `already_voided`, and a closed bill
//! is 409 `bill_closed`.

use std::collections::BTreeSet;

use axum::extract::State;
use qrorder_shared::bill::tax_and_total;
use qrorder_shared::order::{ChosenOption, Order, OrderStatus, VoidRequest};
use qrorder_shared::stream::{
    OrderPayloadItem, OrderPayloadOption, VOID_PAYLOAD_SCHEMA, VoidPayload,
};
use qrorder_shared::{LocalizedText, MenuItemId};
use serde_json::json;
use sqlx::Row;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::infra::db::{Backend, from_json, now_ms, to_json};
use crate::restaurant;
use crate::state::AppState;

use super::outbox;
use super::staff::staff_member;
use super::stock::{self, Returned};
use super::store;

/// The longest reason, in characters.
const MAX_REASON: usize = 200;

/// A line of the order as the void reads it.
struct Line {
    id: i64,
    item: MenuItemId,
    total: i64,
    voided: bool,
    payload: OrderPayloadItem,
}

/// Void lines of an order (`line_ids`), or all its lines not yet voided,
/// with a reason: their stock is given back, the bill no longer counts
/// them, and the kitchen prints a void ticket. Voiding every line left
/// cancels the order.
#[utoipa::path(post, path = "/orders/{id}/void", tag = "orders", security(("bearer" = [])),
    request_body = VoidRequest,
    params(("id" = i64, Path, description = "order id")),
    responses(
        (status = 200, body = Order, description = "voided: the order as it now stands, voided lines marked"),
        (status = 403, body = qrorder_shared::ErrorBody, description = "a kitchen device"),
        (status = 404, body = qrorder_shared::ErrorBody),
        (status = 409, body = qrorder_shared::ErrorBody,
         description = "`not_voidable` (the order is served or cancelled; `details.status`), `already_voided` (`details.line_ids`), `bill_closed`"),
        (status = 422, body = qrorder_shared::ErrorBody, description = "`invalid_field`: `reason` (1 to 200 characters) or `line_ids` (empty, or not lines of this order)")))]
pub(super) async fn void_lines(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<VoidRequest>,
) -> ApiResult<Json<Order>> {
    caller.require_people("void orders")?;
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(ApiError::invalid(
            "reason",
            format!("say why the lines are voided, in 1 to {MAX_REASON} characters"),
        ));
    }
    let wanted: Option<BTreeSet<i64>> = req.line_ids.map(|ids| ids.into_iter().collect());
    if wanted.as_ref().is_some_and(BTreeSet::is_empty) {
        return Err(ApiError::invalid(
            "line_ids",
            "name at least one line, or leave `line_ids` out to void the whole order",
        ));
    }
    let staff = staff_member(&state, &caller).await?;
    let r = restaurant::load(&state.db, caller.restaurant_id).await?;
    let now = now_ms();

    let turn = state.db.sqlite_writer().await;
    let mut tx = match state.db.backend {
        Backend::Sqlite => state.db.pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => state.db.pool.begin().await?,
    };
    // Holds the order's row (PostgreSQL) until the commit: a status change
    // or another void of it waits, then sees this one.
    let order = sqlx::query(
        "UPDATE orders SET status = status WHERE id = $1 AND restaurant_id = $2 \
         RETURNING status, number, table_name, visit_id",
    )
    .bind(id)
    .bind(caller.restaurant_id.0)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| ApiError::not_found("order"))?;
    let status: String = order.try_get("status")?;
    if matches!(
        OrderStatus::parse(&status),
        Some(OrderStatus::Served | OrderStatus::Cancelled)
    ) {
        return Err(ApiError::conflict(
            "not_voidable",
            format!("this order is {status}: only lines not yet served can be voided"),
        )
        .with_details(json!({ "status": status })));
    }
    let visit_id: i64 = order.try_get("visit_id")?;
    let open = sqlx::query("SELECT id FROM table_visits WHERE id = $1 AND closed_at IS NULL")
        .bind(visit_id)
        .fetch_optional(&mut *tx)
        .await?;
    if open.is_none() {
        return Err(ApiError::conflict(
            "bill_closed",
            "this table's bill is closed: its orders can no longer be voided",
        ));
    }

    let lines = read_lines(&mut tx, id).await?;
    let chosen: Vec<&Line> = match &wanted {
        Some(ids) => {
            let unknown: Vec<i64> = ids
                .iter()
                .filter(|i| !lines.iter().any(|l| l.id == **i))
                .copied()
                .collect();
            if !unknown.is_empty() {
                return Err(ApiError::invalid(
                    "line_ids",
                    format!("{unknown:?} are not lines of order {id}"),
                ));
            }
            lines.iter().filter(|l| ids.contains(&l.id)).collect()
        }
        None => lines.iter().filter(|l| !l.voided).collect(),
    };
    let again: Vec<i64> = chosen.iter().filter(|l| l.voided).map(|l| l.id).collect();
    if !again.is_empty() || chosen.is_empty() {
        return Err(ApiError::conflict(
            "already_voided",
            "these lines were voided before; nothing was changed",
        )
        .with_details(json!({ "line_ids": again })));
    }

    let amount: i64 = chosen.iter().map(|l| l.total).sum();
    let void_id: i64 = sqlx::query(
        "INSERT INTO order_voids (restaurant_id, order_id, reason, voided_by_user, voided_by_name, amount_minor, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(caller.restaurant_id.0)
    .bind(id)
    .bind(&reason)
    .bind(staff.user_id)
    .bind(&staff.name)
    .bind(amount)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for line in &chosen {
        sqlx::query("UPDATE order_items SET void_id = $1 WHERE id = $2 AND void_id IS NULL")
            .bind(void_id)
            .bind(line.id)
            .execute(&mut *tx)
            .await?;
    }
    stock::give_back(&mut tx, caller.restaurant_id, Returned::Void(void_id)).await?;

    // The order is what is left of it.
    let left: Vec<&Line> = lines
        .iter()
        .filter(|l| !l.voided && !chosen.iter().any(|c| c.id == l.id))
        .collect();
    let subtotal: i64 = left.iter().map(|l| l.total).sum();
    let (tax, total) = tax_and_total(subtotal, r.tax_rate_bp, r.tax_included);
    let cancelled = left.is_empty();
    sqlx::query(
        "UPDATE orders SET subtotal_minor = $1, tax_minor = $2, total_minor = $3, \
         status = CASE WHEN $4 = 1 THEN 'cancelled' ELSE status END, \
         cancelled_at = CASE WHEN $4 = 1 THEN $5 ELSE cancelled_at END WHERE id = $6",
    )
    .bind(subtotal)
    .bind(tax)
    .bind(total)
    .bind(i64::from(cancelled))
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;

    let payload = to_json(&VoidPayload {
        schema: VOID_PAYLOAD_SCHEMA,
        restaurant_id: caller.restaurant_id,
        void_id,
        order_id: id,
        number: u32::try_from(order.try_get::<i64, _>("number")?).unwrap_or(0),
        table_name: order.try_get("table_name")?,
        voided_at: now,
        reason,
        order_cancelled: cancelled,
        items: chosen.iter().map(|l| l.payload.clone()).collect(),
    });
    let outbox_id: i64 = sqlx::query(
        "INSERT INTO outbox (restaurant_id, order_id, void_id, payload, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(caller.restaurant_id.0)
    .bind(id)
    .bind(void_id)
    .bind(&payload)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let items: Vec<MenuItemId> = chosen.iter().map(|l| l.item).collect();
    tx.commit().await?;
    drop(turn);

    if state.config.outbox_immediate_publish {
        tokio::spawn(outbox::publish_now(
            state.clone(),
            outbox_id,
            caller.restaurant_id,
            id,
            Some(void_id),
            payload,
        ));
    }
    let restaurant_id = caller.restaurant_id;
    let now_stands = store::load(&state.db, restaurant_id, id).await?;
    let state2 = state.clone();
    let changed = now_stands.clone();
    tokio::spawn(async move {
        // The consoles and the table's pages replace the order they show.
        state2.notify().order_changed(restaurant_id, &changed).await;
        if cancelled {
            state2
                .notify()
                .order_status(restaurant_id, visit_id, id, OrderStatus::Cancelled)
                .await;
        }
        let limited = stock::limited_items(&state2.db, restaurant_id, items).await;
        state2.notify().menu_changed(restaurant_id, limited).await;
    });
    Ok(Json(now_stands))
}

/// Every line of the order, in line order, inside the void's transaction.
async fn read_lines(conn: &mut sqlx::AnyConnection, order_id: i64) -> ApiResult<Vec<Line>> {
    let rows = sqlx::query(
        "SELECT id, menu_item_id, names, qty, options, note, station, line_total_minor, void_id \
         FROM order_items WHERE order_id = $1 ORDER BY id",
    )
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let options: Vec<ChosenOption> =
                from_json("options", &row.try_get::<String, _>("options")?)?;
            let item = MenuItemId(row.try_get("menu_item_id")?);
            Ok(Line {
                id: row.try_get("id")?,
                item,
                total: row.try_get("line_total_minor")?,
                voided: row.try_get::<Option<i64>, _>("void_id")?.is_some(),
                payload: OrderPayloadItem {
                    menu_item_id: item,
                    name: from_json::<LocalizedText>("names", &row.try_get::<String, _>("names")?)?,
                    qty: u32::try_from(row.try_get::<i64, _>("qty")?).unwrap_or(0),
                    options: options
                        .into_iter()
                        .map(|o| OrderPayloadOption {
                            group: o.group,
                            option: o.option,
                        })
                        .collect(),
                    note: row.try_get("note")?,
                    station: row.try_get("station")?,
                },
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
