//! The transaction that places an order: the visit still open, the items
//! as they were priced, stock taken, the day's number, the order with its
//! lines and its outbox row.
//!
//! Statements per order (the handler's included): the idempotency check
//! and the open visit before it; on PostgreSQL the day's number; then
//! BEGIN, the visit and the items' check (one statement), one stock read
//! and update per limited item,
//! (SQLite: the day's number,) the order, all its lines in one insert, the
//! outbox row, COMMIT; after it, the outbox row marked published.

use std::collections::BTreeMap;

use qrorder_shared::admin::Restaurant;
use qrorder_shared::bill::tax_and_total;
use qrorder_shared::order::{Diner, NewOrderItem, Order, OrderLine, StaffMember};
use qrorder_shared::stream::OrderPayload;
use qrorder_shared::{MenuItemId, Money};
use sqlx::{AnyConnection, Connection, Row};

use crate::http::error::{ApiError, ApiResult};
use crate::infra::db::{Backend, Db, is_unique_violation, now_ms, placeholders, to_json};
use crate::menu;
use crate::state::AppState;
use crate::tables::{TableByToken, table_not_found};

use super::rules::{PricedLine, business_day, price_lines};

/// The visit's bill was closed since the page was opened.
pub(super) fn visit_closed() -> ApiError {
    ApiError::conflict(
        "visit_closed",
        "This table's bill has been closed since the page was opened. Scan the code on your table again to order.",
    )
}

/// A committed order, its outbox row and that row's payload.
pub(super) struct Placed {
    pub order: Order,
    pub outbox_id: i64,
    pub payload: String,
    /// Its items with limited stock (their remaining count changed).
    pub limited: Vec<MenuItemId>,
}

pub(super) enum Placement {
    DuplicateKey,
    Refused(ApiError),
}

impl<E: Into<ApiError>> From<E> for Placement {
    fn from(e: E) -> Self {
        Placement::Refused(e.into())
    }
}

/// What is to be placed: checked, priced lines for an open visit.
pub(super) struct Placing<'a> {
    pub restaurant: &'a Restaurant,
    pub table: &'a TableByToken,
    /// The token the diner ordered with (`None`: staff, by the table's id).
    pub token: Option<&'a str>,
    pub visit_id: i64,
    pub key: &'a str,
    pub request_hash: &'a str,
    pub lines: &'a [PricedLine],
    /// Who added each of `lines` to the shared cart (`None`: the table).
    pub added_by: &'a [Option<Diner>],
    /// The staff member who entered the order from the console.
    pub entered_by: Option<&'a StaffMember>,
}

/// Places the order (`insert_once`). When the menu its lines were priced
/// against (this process's cache) turns out older than the database, the
/// cache forgets it and the request's `items` are priced again against
/// the database, once: a changed item is then the diner's 409
/// `menu_changed`, an unchanged one is ordered.
pub(super) async fn insert(
    state: &AppState,
    p: &Placing<'_>,
    items: &[NewOrderItem],
) -> Result<Placed, Placement> {
    if let Some(placed) = insert_once(&state.db, p).await? {
        return Ok(placed);
    }
    let lines = price_afresh(state, p.restaurant, items).await?;
    insert_once(
        &state.db,
        &Placing {
            lines: &lines,
            ..*p
        },
    )
    .await?
    // Changed again within these milliseconds: the diner reviews it.
    .ok_or_else(|| {
        ApiError::conflict(
            "menu_changed",
            "Some items changed while the order was being placed; please review your order.",
        )
        .into()
    })
}

/// The cached menu of `r` was found older than the database: forget it and
/// price `items` against the menu read again.
pub(super) async fn price_afresh(
    state: &AppState,
    r: &Restaurant,
    items: &[NewOrderItem],
) -> ApiResult<Vec<PricedLine>> {
    state.caches.menu_changed(r.id);
    price_lines(items, &menu::cached_items(state, r).await?)
}

/// One transaction: check the items, take stock, number the order, write
/// it with its items and its outbox row. `None`: an item is no longer as
/// the lines were priced (a cached menu was older than the database), and
/// nothing was written.
async fn insert_once(db: &Db, p: &Placing<'_>) -> Result<Option<Placed>, Placement> {
    let Placing {
        restaurant: r,
        table,
        token,
        visit_id,
        key,
        request_hash,
        lines,
        added_by,
        entered_by,
    } = *p;
    let now = now_ms();
    let subtotal = lines
        .iter()
        .try_fold(0i64, |s, l| s.checked_add(l.line_total_minor));
    let subtotal =
        subtotal.ok_or_else(|| ApiError::invalid("items", "the order total is out of range"))?;
    let (tax, total) = tax_and_total(subtotal, r.tax_rate_bp, r.tax_included);
    let day = business_day(&r.timezone, now);

    // PostgreSQL: the day's number in a statement of its own before the
    // transaction, so that its row is locked only for that statement and
    // not until the order commits (which serialised a restaurant's orders).
    // An order refused after it (sold out, visit closed meanwhile) leaves a
    // gap in that day's ticket numbers. SQLite has one writer at a time:
    // the number is taken inside the transaction, without gaps.
    let _turn = db.sqlite_writer().await;
    let mut conn = db.pool.acquire().await?;
    let mut number = match db.backend {
        Backend::Postgres => Some(next_number(&mut conn, r.id.0, &day).await?),
        Backend::Sqlite => None,
    };
    // SQLite: take the write lock up front, so that the read-then-write
    // below cannot fail with a busy snapshot. PostgreSQL: row locks suffice.
    let mut tx = match db.backend {
        Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => conn.begin().await?,
    };

    // The visit must still be open when the order is written: a bill closed
    // meanwhile would otherwise miss it. On PostgreSQL this also holds the
    // visit's row, so closing the bill waits for the order and includes it
    // (SQLite's write lock, taken above, does that there). And the lines
    // were priced against a menu that may be a cached one: each item must
    // still be as it was (content version, availability, limited or not),
    // or the order is priced again against the database. One statement.
    // The table too may have been switched off or its code rotated since a
    // cached lookup. A refusal rolls back before the turn is handed on.
    let found = visit_and_items(&mut tx, db.backend, visit_id, table, token, r.id.0, lines).await?;
    let refusal = if !found.table_on {
        Some(table_not_found())
    } else if !found.visit_open {
        Some(visit_closed())
    } else {
        None
    };
    if let Some(refusal) = refusal {
        tx.rollback().await?;
        return Err(refusal.into());
    }
    if !found.items_unchanged {
        tx.rollback().await?;
        return Ok(None);
    }

    if let Err(e) = super::stock::take(&mut tx, lines).await {
        tx.rollback().await?;
        return Err(e.into());
    }

    let number = match number.take() {
        Some(n) => n,
        None => next_number(&mut tx, r.id.0, &day).await?,
    };
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
        Err(e) if is_unique_violation(&e) => {
            tx.rollback().await?;
            return Err(Placement::DuplicateKey);
        }
        Err(e) => return Err(e.into()),
    };
    let line_ids = insert_lines(&mut tx, order_id, lines, added_by, entered_by).await?;
    let order_lines = lines
        .iter()
        .zip(line_ids)
        .enumerate()
        .map(|(index, (l, id))| OrderLine {
            id,
            menu_item_id: l.item.id,
            name: l.item.name.clone(),
            qty: l.qty,
            unit_price: Money::new(l.unit_price_minor, r.currency),
            options: l.options.clone(),
            note: l.note.clone(),
            station: l.item.station.clone(),
            line_total: Money::new(l.line_total_minor, r.currency),
            added_by: added_by.get(index).cloned().flatten(),
            entered_by: entered_by.cloned(),
            voided: None,
        })
        .collect();
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
        kitchen_confirmed_at: None,
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
    let mut limited: Vec<MenuItemId> = lines
        .iter()
        .filter(|l| l.item.stock.is_some())
        .map(|l| l.item.id)
        .collect();
    limited.sort();
    limited.dedup();
    Ok(Some(Placed {
        order,
        outbox_id,
        payload,
        limited,
    }))
}

/// The restaurant's next number of `day`.
async fn next_number(
    conn: &mut AnyConnection,
    restaurant: i64,
    day: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO order_numbers (restaurant_id, business_day, last_number) VALUES ($1, $2, 1) \
         ON CONFLICT (restaurant_id, business_day) DO UPDATE SET last_number = order_numbers.last_number + 1 \
         RETURNING last_number",
    )
    .bind(restaurant)
    .bind(day)
    .fetch_one(&mut *conn)
    .await?
    .try_get("last_number")
}

/// What the order's transaction found of its table, visit and items.
struct Found {
    /// The table is active (and still has the token ordered with).
    table_on: bool,
    /// The visit is open (on PostgreSQL its row is now locked until the
    /// transaction ends).
    visit_open: bool,
    /// Every item is, in the database, as it was priced: the same content
    /// version, available, and limited or not as it was.
    items_unchanged: bool,
}

async fn visit_and_items(
    conn: &mut AnyConnection,
    backend: Backend,
    visit_id: i64,
    table: &TableByToken,
    token: Option<&str>,
    restaurant: i64,
    lines: &[PricedLine],
) -> Result<Found, sqlx::Error> {
    let priced: BTreeMap<i64, &PricedLine> = lines.iter().map(|l| (l.item.id.0, l)).collect();
    let items = format!(
        "SELECT m.id, m.version, m.available, m.stock FROM (SELECT 1 AS one) x \
         LEFT JOIN menu_items m ON m.restaurant_id = $2 AND m.id IN ({})",
        placeholders(5, priced.len())
    );
    let table_on = "(SELECT COUNT(*) FROM dining_tables WHERE id = $3 AND active = 1 \
                    AND ($4 IS NULL OR token = $4)) AS table_on";
    let sql = match backend {
        Backend::Postgres => format!(
            "WITH v AS (UPDATE table_visits SET opened_at = opened_at WHERE id = $1 AND closed_at IS NULL RETURNING id) \
             SELECT (SELECT COUNT(*) FROM v) AS open, {table_on}, i.* FROM ({items}) i"
        ),
        Backend::Sqlite => format!(
            "SELECT (SELECT COUNT(*) FROM table_visits WHERE id = $1 AND closed_at IS NULL) AS open, {table_on}, \
             i.* FROM ({items}) i"
        ),
    };
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(visit_id)
        .bind(restaurant)
        .bind(table.id.0)
        .bind(token.map(str::to_owned));
    for id in priced.keys() {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let (visit_open, table_on) = match rows.first() {
        Some(row) => (
            row.try_get::<i64, _>("open")? > 0,
            row.try_get::<i64, _>("table_on")? > 0,
        ),
        None => (false, false),
    };
    let mut unchanged = 0;
    for row in &rows {
        let Some(id) = row.try_get::<Option<i64>, _>("id")? else {
            continue;
        };
        let Some(l) = priced.get(&id) else {
            continue;
        };
        let stock: Option<i64> = row.try_get("stock")?;
        if row.try_get::<i64, _>("version")? == l.item.version
            && row.try_get::<i64, _>("available")? != 0
            && stock.is_some() == l.item.stock.is_some()
        {
            unchanged += 1;
        }
    }
    Ok(Found {
        table_on,
        visit_open,
        items_unchanged: unchanged == priced.len(),
    })
}

/// The order's lines in one insert; their ids in the order of `lines`.
async fn insert_lines(
    conn: &mut AnyConnection,
    order_id: i64,
    lines: &[PricedLine],
    added_by: &[Option<Diner>],
    entered_by: Option<&StaffMember>,
) -> Result<Vec<i64>, Placement> {
    const COLUMNS: usize = 13;
    let rows: Vec<String> = (0..lines.len())
        .map(|row| format!("({})", placeholders(row * COLUMNS + 1, COLUMNS)))
        .collect();
    let sql = format!(
        "INSERT INTO order_items (order_id, menu_item_id, names, qty, unit_price_minor, options, note, station, \
         line_total_minor, added_by_client, added_by_name, entered_by_user, entered_by_name) \
         VALUES {} RETURNING id",
        rows.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (index, l) in lines.iter().enumerate() {
        let by = added_by.get(index).cloned().flatten();
        query = query
            .bind(order_id)
            .bind(l.item.id.0)
            .bind(to_json(&l.item.name))
            .bind(i64::from(l.qty))
            .bind(l.unit_price_minor)
            .bind(to_json(&l.options))
            .bind(l.note.clone())
            .bind(l.item.station.clone())
            .bind(l.line_total_minor)
            .bind(by.as_ref().map(|d| d.client_id.clone()))
            .bind(by.map(|d| d.nickname))
            .bind(entered_by.map(|s| s.user_id))
            .bind(entered_by.map(|s| s.name.clone()));
    }
    let mut ids = query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>("id"))
        .collect::<Result<Vec<_>, _>>()?;
    // One statement's rows take their ids in the order of its VALUES (an
    // identity on PostgreSQL, the rowid on SQLite); RETURNING's order is
    // not promised, the ids' order is.
    ids.sort_unstable();
    if ids.len() != lines.len() {
        return Err(ApiError::internal("the order's lines were not all written").into());
    }
    Ok(ids)
}
