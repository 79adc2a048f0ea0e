//! Staff order entry: an owner or staff member places an order for a table
//! from the console. The same checks, stock, idempotency, transaction,
//! outbox and announcement as a diner's order (`submit`, `place`); no
//! location guard (staff stand in the restaurant), no rate limit, no cart.
//! Each line remembers who entered it; on the bill it is the table's.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use qrorder_shared::TableId;
use qrorder_shared::order::{NewOrder, Order, StaffMember, StaffOrder};
use sqlx::Row;

use crate::auth::Caller;
use crate::cart::CartRef;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::tables::{TableByToken, current_visit};
use crate::{menu, restaurant};

use super::idempotency::{by_key, hash_request, idempotency_key, raced};
use super::place::{self, Placement, Placing};
use super::rules::price_lines;
use super::submit::dispatch;

const ENTERING: &str = "enter orders";

/// The signed-in person (owner or staff) as orders remember them: their
/// name, or their email when they have none.
pub(super) async fn staff_member(state: &AppState, caller: &Caller) -> ApiResult<StaffMember> {
    let user = caller
        .user_id
        .ok_or_else(|| ApiError::forbidden("a kitchen device cannot do this"))?;
    let row = sqlx::query("SELECT name, email FROM users WHERE id = $1 AND restaurant_id = $2")
        .bind(user.0)
        .bind(caller.restaurant_id.0)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| ApiError::forbidden("this account no longer exists"))?;
    let name: String = row.try_get("name")?;
    Ok(StaffMember {
        user_id: user.0,
        name: if name.trim().is_empty() {
            row.try_get("email")?
        } else {
            name
        },
    })
}

/// Enter an order for the table, as staff: opens a visit when the table
/// has none. Send a unique `Idempotency-Key` per order: repeating it
/// returns the first result (200) and creates nothing.
#[utoipa::path(post, path = "/tables/{id}/orders", tag = "orders", security(("bearer" = [])),
    request_body = StaffOrder,
    params(("id" = i64, Path, description = "table id"),
           ("Idempotency-Key" = String, Header, description = "unique per order, 1 to 100 visible ASCII characters")),
    responses(
        (status = 201, body = Order, description = "placed"),
        (status = 200, body = Order, description = "already placed with this Idempotency-Key"),
        (status = 403, body = qrorder_shared::ErrorBody, description = "a kitchen device"),
        (status = 404, body = qrorder_shared::ErrorBody),
        (status = 409, body = qrorder_shared::ErrorBody, description = "`menu_changed`, `sold_out`, `visit_closed`, `table_inactive`"),
        (status = 422, body = qrorder_shared::ErrorBody, description = "`invalid_item`, `negative_price`, `idempotency_key_reused`, …"),
        (status = 503, body = qrorder_shared::ErrorBody, description = "many orders for one dish at once: try again")))]
pub(super) async fn enter_order(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<StaffOrder>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    caller.require_people(ENTERING)?;
    let key = idempotency_key(&headers)?;
    let staff = staff_member(&state, &caller).await?;
    let found = crate::tables::load(&state.db, caller.restaurant_id, TableId(id), "").await?;
    if !found.active {
        return Err(ApiError::conflict(
            "table_inactive",
            "this table is switched off; switch it on in Tables to order for it",
        ));
    }
    let table = TableByToken {
        id: found.id,
        restaurant_id: caller.restaurant_id,
        name: found.name,
    };
    let r = restaurant::load(&state.db, caller.restaurant_id).await?;
    // The key's hash: the lines only (a staff order names no visit).
    let request_hash = hash_request(&NewOrder {
        visit_id: 0,
        cart_version: None,
        items: req.items.clone(),
        location: None,
    });
    if let Some(existing) = by_key(&state.db, &table, &key, &request_hash).await? {
        return Ok((StatusCode::OK, Json(existing)));
    }
    let visit = current_visit(&state.db, r.id, table.id).await?;
    let menu = menu::list_items(&state.db, r.id, r.currency, None).await?;
    let lines = price_lines(&req.items, &menu)?;
    let added_by = vec![None; lines.len()];
    let placing = Placing {
        restaurant: &r,
        table: &table,
        token: None,
        visit_id: visit.id,
        key: &key,
        request_hash: &request_hash,
        lines: &lines,
        added_by: &added_by,
        entered_by: Some(&staff),
    };
    let placed = match place::insert(&state, &placing, &req.items).await {
        Ok(placed) => placed,
        Err(Placement::DuplicateKey) => {
            return raced(&state.db, &table, &key, &request_hash).await;
        }
        Err(Placement::Refused(e)) => return Err(e),
    };
    let cart = CartRef::new(&state.keys, r.id, visit.id);
    let order = dispatch(&state, &r, placed, cart, Vec::new());
    Ok((StatusCode::CREATED, Json(order)))
}
