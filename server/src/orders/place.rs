//! The transaction that places an order: the visit still open, stock
//! taken, the day's number, the order with its lines and its outbox row.

use qrorder_shared::Money;
use qrorder_shared::admin::Restaurant;
use qrorder_shared::bill::tax_and_total;
use qrorder_shared::order::{Diner, Order, OrderLine, StaffMember};
use qrorder_shared::stream::OrderPayload;
use sqlx::Row;

use crate::http::error::ApiError;
use crate::infra::db::{Backend, Db, is_unique_violation, now_ms, to_json};
use crate::tables::TableByToken;

use super::rules::{PricedLine, business_day};

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
    pub visit_id: i64,
    pub key: &'a str,
    pub request_hash: &'a str,
    pub lines: &'a [PricedLine],
    /// Who added each of `lines` to the shared cart (`None`: the table).
    pub added_by: &'a [Option<Diner>],
    /// The staff member who entered the order from the console.
    pub entered_by: Option<&'a StaffMember>,
}

/// One transaction: take stock, number the order, write it with its items
/// and its outbox row. Returns the order and the outbox row's id.
pub(super) async fn insert(db: &Db, p: &Placing<'_>) -> Result<Placed, Placement> {
    let Placing {
        restaurant: r,
        table,
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

    super::stock::take(&mut tx, lines).await?;

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
    for (index, l) in lines.iter().enumerate() {
        let by = added_by.get(index).cloned().flatten();
        let line_id: i64 = sqlx::query(
            "INSERT INTO order_items (order_id, menu_item_id, names, qty, unit_price_minor, options, note, station, \
             line_total_minor, added_by_client, added_by_name, entered_by_user, entered_by_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
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
        .bind(by.as_ref().map(|d| d.client_id.as_str()))
        .bind(by.as_ref().map(|d| d.nickname.as_str()))
        .bind(entered_by.map(|s| s.user_id))
        .bind(entered_by.map(|s| s.name.as_str()))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        order_lines.push(OrderLine {
            id: line_id,
            menu_item_id: l.item.id,
            name: l.item.name.clone(),
            qty: l.qty,
            unit_price: Money::new(l.unit_price_minor, r.currency),
            options: l.options.clone(),
            note: l.note.clone(),
            station: l.item.station.clone(),
            line_total: Money::new(l.line_total_minor, r.currency),
            added_by: by,
            entered_by: entered_by.cloned(),
            voided: None,
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
    Ok(Placed {
        order,
        outbox_id,
        payload,
    })
}
