//! Placing an order (DESIGN.md, "Order submission"): resolve the table,
//! check the location, check the menu, take limited stock with optimistic
//! locking, and write order, items and outbox row in one transaction. The
//! kitchen stream is fed from the outbox after commit.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use qrorder_shared::admin::Restaurant;
use qrorder_shared::menu::MenuItem;
use qrorder_shared::order::{
    ChosenOption, NewOrder, NewOrderItem, Order, OrderLine, tax_and_total,
};
use qrorder_shared::stream::OrderPayload;
use qrorder_shared::{MenuItemId, Money, RestaurantId};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::app::AppState;
use crate::cart::CartRef;
use crate::db::{Backend, Db, is_unique_violation, now_ms, to_json};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::tables::visits::{TableByToken, current_visit, resolve_token};
use crate::ws::notify;
use crate::{location, menu, restaurant};

use super::{outbox, store};

pub const MAX_LINES: usize = 50;
pub const MAX_QTY: u32 = 99;
pub const MAX_NOTE_CHARS: usize = 200;
/// Attempts at one item's optimistic stock update before giving up as busy.
const STOCK_ATTEMPTS: usize = 32;

/// Place an order for the table. Send a unique `Idempotency-Key` per order:
/// repeating it returns the first result (200) and creates nothing.
#[utoipa::path(post, path = "/tables/{token}/orders", tag = "diners", request_body = NewOrder,
    params(("token" = String, Path, description = "the table's token"),
           ("Idempotency-Key" = String, Header, description = "unique per order, 1 to 100 visible ASCII characters")),
    responses(
        (status = 201, body = Order, description = "placed"),
        (status = 200, body = Order, description = "already placed with this Idempotency-Key"),
        (status = 403, body = qrorder_shared::ErrorBody, description = "`outside_restaurant` with `details.reason`"),
        (status = 404, body = qrorder_shared::ErrorBody),
        (status = 409, body = qrorder_shared::ErrorBody, description = "`menu_changed`, `sold_out`, `visit_closed`"),
        (status = 422, body = qrorder_shared::ErrorBody)))]
pub(super) async fn place_order(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Json(req): Json<NewOrder>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let key = idempotency_key(&headers)?;
    let table = resolve_token(&state.db, &token).await?;
    let r = restaurant::load(&state.db, table.restaurant_id).await?;
    let client = location::client_of(&r, peer, &headers)?;
    location::check(&r, client, req.location.as_ref(), now_ms())?;

    let request_hash = hash_request(&req);
    if let Some(existing) = by_key(&state.db, &table, &key, &request_hash).await? {
        return Ok((StatusCode::OK, Json(existing)));
    }
    let visit = current_visit(&state.db, r.id, table.id).await?;
    if req.visit_id != visit.id {
        return Err(visit_closed());
    }
    let menu = menu::list_items(&state.db, r.id, r.currency, None).await?;
    let lines = price_lines(&req.items, &menu)?;
    let cart = CartRef::new(&state.keys, r.id, visit.id);
    let ordered_lines = match req.cart_version {
        Some(version) => resync(&state, &cart, version, &req.items, &key).await?,
        None => Vec::new(),
    };

    let placed = insert(&state.db, &r, &table, visit.id, &key, &request_hash, &lines).await;
    let Placed {
        order,
        outbox_id,
        payload,
    } = match placed {
        Ok(placed) => placed,
        // The same key raced us and won: its order is the answer.
        Err(Placement::DuplicateKey) => {
            let existing = by_key(&state.db, &table, &key, &request_hash).await?;
            return existing
                .map(|o| (StatusCode::OK, Json(o)))
                .ok_or_else(|| ApiError::internal("duplicate idempotency key without an order"));
        }
        Err(Placement::Refused(e)) => {
            // The cart may be ordered again (after it is fixed).
            if let (Some(version), Ok(mut conn)) = (req.cart_version, state.redis.conn().await) {
                let _ = cart.release(&mut conn, version, &key).await;
            }
            return Err(e);
        }
    };
    if state.config.outbox_immediate_publish {
        tokio::spawn(outbox::publish_now(
            state.clone(),
            outbox_id,
            r.id,
            order.id,
            payload,
        ));
    }
    let mut limited: Vec<MenuItemId> = lines
        .iter()
        .filter(|l| l.item.stock.is_some())
        .map(|l| l.item.id)
        .collect();
    limited.dedup();
    tokio::spawn(announce(
        state.clone(),
        r.id,
        cart,
        ordered_lines,
        order.clone(),
        limited,
    ));
    Ok((StatusCode::CREATED, Json(order)))
}

/// Step 3 of DESIGN.md's order submission: ordering from the shared cart,
/// the items must be exactly the cart at `version`. Returns the ids of the
/// cart lines ordered. When Redis is down the order is taken as posted:
/// losing an order would be worse than an unchecked cart.
async fn resync(
    state: &AppState,
    cart: &CartRef,
    version: u64,
    items: &[NewOrderItem],
    idempotency_key: &str,
) -> ApiResult<Vec<String>> {
    let current = match state.redis.conn().await {
        Ok(mut conn) => match cart.load(&mut conn).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "cart not checked: Redis unavailable");
                return Ok(Vec::new());
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "cart not checked: Redis unavailable");
            return Ok(Vec::new());
        }
    };
    let key = |id: MenuItemId,
               qty: u32,
               options: &BTreeMap<String, Vec<String>>,
               note: &Option<String>| {
        let note = note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        to_json(&(id, qty, options, note))
    };
    let mut posted: Vec<String> = items
        .iter()
        .map(|i| key(i.menu_item_id, i.qty, &i.options, &i.note))
        .collect();
    let mut in_cart: Vec<String> = current
        .lines
        .iter()
        .map(|l| key(l.item_id, l.qty, &l.options, &l.note))
        .collect();
    posted.sort();
    in_cart.sort();
    let changed = |message: &str| {
        ApiError::conflict("cart_changed", message.to_owned())
            .with_details(json!({ "cart": current.clone().snapshot(Vec::new()) }))
    };
    if current.version != version || posted != in_cart {
        return Err(changed(
            "The table's cart changed while you were ordering; please check it and order again.",
        ));
    }
    // One order per cart version: two diners tapping "order" at once
    // must not send the same cart to the kitchen twice.
    let claimed = match state.redis.conn().await {
        Ok(mut conn) => cart.claim(&mut conn, version, idempotency_key).await,
        Err(e) => Err(crate::cart::CartError::Redis(e)),
    };
    match claimed {
        Ok(()) => {}
        Err(crate::cart::CartError::Redis(e)) => {
            tracing::warn!(error = %e, "cart not claimed: Redis unavailable");
        }
        Err(_) => {
            return Err(changed(
                "Someone at your table is ordering this cart right now, or it just changed.",
            ));
        }
    }
    Ok(current.lines.into_iter().map(|l| l.line_id).collect())
}

/// After the commit: take the ordered lines out of the shared cart and tell
/// the table, the kitchen screens, and (for limited items) every diner.
async fn announce(
    state: AppState,
    restaurant: RestaurantId,
    cart: CartRef,
    ordered_lines: Vec<String>,
    order: Order,
    limited: Vec<MenuItemId>,
) {
    if !ordered_lines.is_empty() {
        let taken = match state.redis.conn().await {
            Ok(mut conn) => cart.take(&mut conn, &ordered_lines).await.map(|_| ()),
            Err(e) => Err(crate::cart::CartError::Redis(e)),
        };
        if let Err(e) = taken {
            tracing::warn!(error = %e, "ordered lines not taken out of the cart");
        }
    }
    notify::order_placed(&state, restaurant, &order).await;
    // Their remaining portions changed.
    notify::menu_changed(&state, restaurant, limited).await;
}

/// Of `ids`, those with limited stock (their remaining count changed).
pub async fn limited_items(
    state: &AppState,
    restaurant: RestaurantId,
    mut ids: Vec<MenuItemId>,
) -> Vec<MenuItemId> {
    ids.sort();
    ids.dedup();
    let limited =
        sqlx::query("SELECT id FROM menu_items WHERE restaurant_id = $1 AND stock IS NOT NULL")
            .bind(restaurant.0)
            .fetch_all(&state.db.pool)
            .await;
    let limited: Vec<i64> = match limited {
        Ok(rows) => rows.iter().filter_map(|r| r.try_get("id").ok()).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "could not tell which items have limited stock");
            return Vec::new();
        }
    };
    ids.retain(|id| limited.contains(&id.0));
    ids
}

fn visit_closed() -> ApiError {
    ApiError::conflict(
        "visit_closed",
        "This table's bill has been closed since the page was opened. Scan the code on your table again to order.",
    )
}

fn idempotency_key(headers: &HeaderMap) -> ApiResult<String> {
    let value = headers.get("idempotency-key").ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "idempotency_key_required",
            "send a unique `Idempotency-Key` header with every order, so that a retry cannot order twice",
        )
    })?;
    match value.to_str() {
        Ok(k) if (1..=100).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(k.to_owned())
        }
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "the Idempotency-Key must be 1 to 100 visible ASCII characters",
        )),
    }
}

fn hash_request(req: &NewOrder) -> String {
    // Location and cart version change between honest retries; the order does not.
    hex::encode(Sha256::digest(
        to_json(&(req.visit_id, &req.items)).as_bytes(),
    ))
}

/// The order placed earlier under this key; 422 when the key was used for
/// a different order.
async fn by_key(db: &Db, table: &TableByToken, key: &str, hash: &str) -> ApiResult<Option<Order>> {
    let row = sqlx::query(
        "SELECT id, request_hash FROM orders WHERE table_id = $1 AND idempotency_key = $2",
    )
    .bind(table.id.0)
    .bind(key)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.try_get::<String, _>("request_hash")? != hash {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was already used for a different order; use a new key per order",
        ));
    }
    Ok(Some(
        store::load(db, table.restaurant_id, row.try_get("id")?).await?,
    ))
}

/// An order line, checked against the current menu and priced.
struct PricedLine {
    item: MenuItem,
    qty: u32,
    options: Vec<ChosenOption>,
    note: Option<String>,
    unit_price_minor: i64,
    line_total_minor: i64,
}

fn invalid_item(index: usize, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_item",
        format!("item {}: {message}", index + 1),
    )
    .with_details(json!({ "index": index }))
}

/// Malformed lines are 422; lines whose item changed, vanished or is
/// unavailable are collected into one 409 `menu_changed`.
fn price_lines(items: &[NewOrderItem], menu: &[MenuItem]) -> ApiResult<Vec<PricedLine>> {
    if items.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_order",
            "the order has no items",
        ));
    }
    if items.len() > MAX_LINES {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_items",
            format!("an order may have at most {MAX_LINES} lines"),
        ));
    }
    let by_id: HashMap<MenuItemId, &MenuItem> = menu.iter().map(|m| (m.id, m)).collect();
    let mut changed = Vec::new();
    let mut lines = Vec::new();
    for (index, line) in items.iter().enumerate() {
        if line.qty == 0 || line.qty > MAX_QTY {
            return Err(invalid_item(
                index,
                format!("quantity must be 1 to {MAX_QTY}"),
            ));
        }
        let note = line
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        if note
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS || n.chars().any(char::is_control))
        {
            return Err(invalid_item(
                index,
                format!("the note must be at most {MAX_NOTE_CHARS} characters of text"),
            ));
        }
        let Some(item) = by_id.get(&line.menu_item_id) else {
            changed.push(json!({ "menu_item_id": line.menu_item_id, "reason": "removed" }));
            continue;
        };
        if item.version != line.menu_version {
            changed.push(json!({ "menu_item_id": item.id, "reason": "changed", "current_version": item.version }));
            continue;
        }
        // Stock that ran out is answered by the stock check: `sold_out`.
        if !item.available {
            changed.push(json!({ "menu_item_id": item.id, "reason": "unavailable" }));
            continue;
        }
        let options = choose_options(item, &line.options).map_err(|e| invalid_item(index, e))?;
        let unit = options.iter().try_fold(item.price.amount_minor, |sum, o| {
            sum.checked_add(o.price_delta_minor)
        });
        let total = unit.and_then(|u| u.checked_mul(i64::from(line.qty)));
        let (Some(unit), Some(total)) = (unit, total) else {
            return Err(invalid_item(index, "the price is out of range"));
        };
        lines.push(PricedLine {
            item: (*item).clone(),
            qty: line.qty,
            options,
            note,
            unit_price_minor: unit,
            line_total_minor: total,
        });
    }
    if !changed.is_empty() {
        return Err(ApiError::conflict(
            "menu_changed",
            "Some items changed or are no longer available since the menu was loaded; please review your order.",
        )
        .with_details(json!({ "items": changed })));
    }
    Ok(lines)
}

/// The options a diner chose for `item`, checked against its option groups
/// (known groups and options, none twice, within each group's min and max).
pub fn choose_options(
    item: &MenuItem,
    chosen: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<ChosenOption>, String> {
    for group_id in chosen.keys() {
        if !item.option_groups.iter().any(|g| &g.id == group_id) {
            return Err(format!("`{}` has no option group `{group_id}`", item.id));
        }
    }
    let mut out = Vec::new();
    for group in &item.option_groups {
        let picks = chosen.get(&group.id).map(Vec::as_slice).unwrap_or_default();
        let n = u32::try_from(picks.len()).unwrap_or(u32::MAX);
        if n < group.min || n > group.max {
            let name = group.name.get("en").unwrap_or(&group.id);
            return Err(format!("choose {} to {} of `{name}`", group.min, group.max));
        }
        let mut seen = HashSet::new();
        for pick in picks {
            let option = group
                .options
                .iter()
                .find(|o| &o.id == pick)
                .filter(|_| seen.insert(pick));
            let Some(option) = option else {
                return Err(format!(
                    "`{pick}` is not a choice of `{}` (or is chosen twice)",
                    group.id
                ));
            };
            out.push(ChosenOption {
                group_id: group.id.clone(),
                group: group.name.clone(),
                option_id: option.id.clone(),
                option: option.name.clone(),
                price_delta_minor: option.price_delta_minor,
            });
        }
    }
    Ok(out)
}

/// A committed order, its outbox row and that row's payload.
struct Placed {
    order: Order,
    outbox_id: i64,
    payload: String,
}

enum Placement {
    DuplicateKey,
    Refused(ApiError),
}

impl<E: Into<ApiError>> From<E> for Placement {
    fn from(e: E) -> Self {
        Placement::Refused(e.into())
    }
}

/// One transaction: take stock, number the order, write it with its items
/// and its outbox row. Returns the order and the outbox row's id.
#[allow(clippy::too_many_arguments)]
async fn insert(
    db: &Db,
    r: &Restaurant,
    table: &TableByToken,
    visit_id: i64,
    key: &str,
    request_hash: &str,
    lines: &[PricedLine],
) -> Result<Placed, Placement> {
    let now = now_ms();
    let subtotal = lines
        .iter()
        .try_fold(0i64, |s, l| s.checked_add(l.line_total_minor));
    let subtotal =
        subtotal.ok_or_else(|| ApiError::invalid("items", "the order total is out of range"))?;
    let (tax, total) = tax_and_total(subtotal, r.tax_rate_bp, r.tax_included);
    let day = business_day(&r.timezone, now);

    // SQLite: take the write lock up front, so that the read-then-write
    // below cannot fail with a busy snapshot. PostgreSQL: row locks suffice.
    let mut tx = match db.backend {
        Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => db.pool.begin().await?,
    };

    // The visit must still be open when the order is written: a bill closed
    // meanwhile would otherwise miss it. On PostgreSQL this also holds the
    // visit's row, so closing the bill waits for the order and includes it.
    let open = sqlx::query(
        "UPDATE table_visits SET opened_at = opened_at WHERE id = $1 AND closed_at IS NULL",
    )
    .bind(visit_id)
    .execute(&mut *tx)
    .await?;
    if open.rows_affected() == 0 {
        return Err(visit_closed().into());
    }

    // Limited stock, items in id order (the same lock order for everyone).
    let mut wanted: BTreeMap<i64, u32> = BTreeMap::new();
    for l in lines.iter().filter(|l| l.item.stock.is_some()) {
        *wanted.entry(l.item.id.0).or_default() += l.qty;
    }
    let mut sold_out = Vec::new();
    'items: for (&item_id, &qty) in &wanted {
        let qty = i64::from(qty);
        for _ in 0..STOCK_ATTEMPTS {
            let row = sqlx::query("SELECT stock, stock_version FROM menu_items WHERE id = $1")
                .bind(item_id)
                .fetch_one(&mut *tx)
                .await?;
            let Some(stock) = row.try_get::<Option<i64>, _>("stock")? else {
                continue 'items; // made unlimited meanwhile
            };
            if stock < qty {
                sold_out
                    .push(json!({ "menu_item_id": item_id, "requested": qty, "remaining": stock }));
                continue 'items;
            }
            let taken = sqlx::query(
                "UPDATE menu_items SET stock = stock - $1, stock_version = stock_version + 1 \
                 WHERE id = $2 AND stock_version = $3 AND stock >= $1",
            )
            .bind(qty)
            .bind(item_id)
            .bind(row.try_get::<i64, _>("stock_version")?)
            .execute(&mut *tx)
            .await?;
            if taken.rows_affected() == 1 {
                continue 'items;
            }
        }
        let mut busy =
            ApiError::unavailable("many orders for the same dish at once; please try again");
        busy.retry_after_secs = Some(1);
        return Err(busy.into());
    }
    if !sold_out.is_empty() {
        let names: Vec<String> = sold_out
            .iter()
            .filter_map(|s| s["menu_item_id"].as_i64())
            .filter_map(|id| lines.iter().find(|l| l.item.id.0 == id))
            .map(|l| l.item.name.get("en").unwrap_or_default().to_owned())
            .collect();
        return Err(ApiError::conflict(
            "sold_out",
            format!("Not enough left of: {}.", names.join(", ")),
        )
        .with_details(json!({ "items": sold_out }))
        .into());
    }

    // The day's number last: on PostgreSQL its row lock is then held only
    // until the commit that follows.
    let number: i64 = sqlx::query(
        "INSERT INTO order_numbers (restaurant_id, business_day, last_number) VALUES ($1, $2, 1) \
         ON CONFLICT (restaurant_id, business_day) DO UPDATE SET last_number = order_numbers.last_number + 1 \
         RETURNING last_number",
    )
    .bind(r.id.0)
    .bind(&day)
    .fetch_one(&mut *tx)
    .await?
    .try_get("last_number")?;
    let inserted = sqlx::query(
        "INSERT INTO orders (restaurant_id, table_id, visit_id, table_name, business_day, number, idempotency_key, \
         request_hash, currency, subtotal_minor, tax_minor, total_minor, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(r.id.0)
    .bind(table.id.0)
    .bind(visit_id)
    .bind(&table.name)
    .bind(&day)
    .bind(number)
    .bind(key)
    .bind(request_hash)
    .bind(r.currency.code())
    .bind(subtotal)
    .bind(tax)
    .bind(total)
    .bind(now)
    .fetch_one(&mut *tx)
    .await;
    let order_id: i64 = match inserted {
        Ok(row) => row.try_get("id")?,
        Err(e) if is_unique_violation(&e) => return Err(Placement::DuplicateKey),
        Err(e) => return Err(e.into()),
    };
    let mut order_lines = Vec::with_capacity(lines.len());
    for l in lines {
        sqlx::query(
            "INSERT INTO order_items (order_id, menu_item_id, names, qty, unit_price_minor, options, note, station, \
             line_total_minor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(order_id)
        .bind(l.item.id.0)
        .bind(to_json(&l.item.name))
        .bind(i64::from(l.qty))
        .bind(l.unit_price_minor)
        .bind(to_json(&l.options))
        .bind(l.note.as_deref())
        .bind(&l.item.station)
        .bind(l.line_total_minor)
        .execute(&mut *tx)
        .await?;
        order_lines.push(OrderLine {
            menu_item_id: l.item.id,
            name: l.item.name.clone(),
            qty: l.qty,
            unit_price: Money::new(l.unit_price_minor, r.currency),
            options: l.options.clone(),
            note: l.note.clone(),
            station: l.item.station.clone(),
            line_total: Money::new(l.line_total_minor, r.currency),
        });
    }
    let order = Order {
        id: order_id,
        number: u32::try_from(number).unwrap_or(u32::MAX),
        table_id: table.id,
        table_name: table.name.clone(),
        visit_id,
        status: qrorder_shared::order::OrderStatus::Placed,
        items: order_lines,
        subtotal: Money::new(subtotal, r.currency),
        tax: Money::new(tax, r.currency),
        total: Money::new(total, r.currency),
        created_at: now,
        accepted_at: None,
        preparing_at: None,
        ready_at: None,
        served_at: None,
        cancelled_at: None,
    };
    let payload = to_json(&OrderPayload::of(r.id, &order));
    let outbox_id: i64 = sqlx::query(
        "INSERT INTO outbox (restaurant_id, order_id, payload, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(r.id.0)
    .bind(order_id)
    .bind(&payload)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    tx.commit().await?;
    Ok(Placed {
        order,
        outbox_id,
        payload,
    })
}

/// The restaurant's business day of `at`: its local date, where the day
/// turns at 04:00 so that a late evening's orders stay on one day.
pub fn business_day(timezone: &str, at_ms: i64) -> String {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let at = jiff::Timestamp::from_millisecond(at_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let shifted = at - jiff::SignedDuration::from_hours(4);
    shifted.to_zoned(tz).date().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_business_day_turns_at_four_in_the_morning_local_time() {
        // 2026-11-25 18:30 UTC is 03:30 on the 26th in Seoul: still the 25th's business.
        let t = 1_795_631_400_000;
        assert_eq!(business_day("Asia/Seoul", t), "2026-11-25");
        // An hour later (04:30 in Seoul) the 26th begins.
        assert_eq!(business_day("Asia/Seoul", t + 3_600_000), "2026-11-26");
        assert_eq!(business_day("UTC", t), "2026-11-25");
    }
}
