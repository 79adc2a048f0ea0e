//! The statements both backends place an order with, and the reading of
//! what they return.

use std::collections::BTreeMap;

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Row};

use crate::http::error::ApiError;
use crate::infra::db::{Backend, placeholders, to_json};
use crate::tables::table_not_found;

use super::{Placing, visit_closed};
use crate::orders::rules::PricedLine;

/// A query on the `Any` pool.
pub(super) type AnyQuery = sqlx::query::Query<'static, Any, AnyArguments>;

pub(super) const ORDER_COLUMNS: &str = "restaurant_id, table_id, visit_id, table_name, business_day, number, \
     idempotency_key, request_hash, currency, subtotal_minor, tax_minor, total_minor, created_at";

pub(super) const LINE_COLUMNS: &str = "order_id, menu_item_id, names, qty, unit_price_minor, options, note, \
     station, line_total_minor, added_by_client, added_by_name, entered_by_user, entered_by_name";

/// The `VALUES` rows of `n` lines: each row's leading expressions
/// (`lead(row)`: its `order_id`, or its id and `order_id`) and twelve
/// placeholders each from `$first` (bound by `bind_lines`).
pub(super) fn line_values(first: usize, n: usize, lead: impl Fn(usize) -> String) -> String {
    const BOUND: usize = 12;
    (0..n)
        .map(|row| {
            format!(
                "({}, {})",
                lead(row),
                placeholders(first + row * BOUND, BOUND)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds the lines' columns after `order_id`, in `line_values`' order.
pub(super) fn bind_lines(mut query: AnyQuery, p: &Placing<'_>) -> AnyQuery {
    for (index, l) in p.lines.iter().enumerate() {
        let by = p.added_by.get(index).cloned().flatten();
        query = query
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
            .bind(p.entered_by.map(|s| s.user_id))
            .bind(p.entered_by.map(|s| s.name.clone()));
    }
    query
}

/// The upsert of a restaurant's next number of a day (placeholders for
/// the restaurant and the day), returning `last_number`.
pub(super) fn number_upsert(restaurant: &str, day: &str) -> String {
    format!(
        "INSERT INTO order_numbers (restaurant_id, business_day, last_number) VALUES ({restaurant}, {day}, 1) \
         ON CONFLICT (restaurant_id, business_day) DO UPDATE SET last_number = order_numbers.last_number + 1 \
         RETURNING last_number"
    )
}

/// The check of the order's table, visit and items (bound by
/// `bind_check`: `$1` visit, `$2` restaurant, `$3` table, `$4` token, the
/// item ids from `$5`), and the number of placeholders it uses. On
/// PostgreSQL it locks the open visit's row until the transaction ends.
pub(super) fn check_sql(backend: Backend, lines: &[PricedLine]) -> (String, usize) {
    let ids = priced(lines).len();
    let sql = match backend {
        Backend::Postgres => format!(
            "WITH v AS ({VISIT_LOCK}) {}",
            check_select("(SELECT COUNT(*) FROM v)", ids)
        ),
        Backend::Sqlite => check_select(
            "(SELECT COUNT(*) FROM table_visits WHERE id = $1 AND closed_at IS NULL)",
            ids,
        ),
    };
    (sql, 4 + ids)
}

/// PostgreSQL: the open visit's row locked, as a CTE `v` of its id.
pub(super) const VISIT_LOCK: &str = "UPDATE table_visits SET opened_at = opened_at WHERE id = $1 AND closed_at IS NULL RETURNING id";

/// The check's rows (`open` counted by `open`, `table_on`, then each of
/// `ids` items' `id`, `version`, `available`, `stock`).
pub(super) fn check_select(open: &str, ids: usize) -> String {
    format!(
        "SELECT {open} AS open, (SELECT COUNT(*) FROM dining_tables WHERE id = $3 AND active = 1 \
         AND ($4 IS NULL OR token = $4)) AS table_on, i.* FROM (SELECT m.id, m.version, m.available, m.stock \
         FROM (SELECT 1 AS one) x LEFT JOIN menu_items m ON m.restaurant_id = $2 AND m.id IN ({})) i",
        placeholders(5, ids)
    )
}

/// The lines' items by id.
pub(super) fn priced(lines: &[PricedLine]) -> BTreeMap<i64, &PricedLine> {
    lines.iter().map(|l| (l.item.id.0, l)).collect()
}

/// Binds `check_sql`'s placeholders.
pub(super) fn bind_check(query: AnyQuery, p: &Placing<'_>) -> AnyQuery {
    let mut query = query
        .bind(p.visit_id)
        .bind(p.restaurant.id.0)
        .bind(p.table.id.0)
        .bind(p.token.map(str::to_owned));
    for id in priced(p.lines).keys() {
        query = query.bind(*id);
    }
    query
}

/// What the check's rows say: a refusal (the table switched off or its
/// code rotated, the visit closed), or whether every item is, in the
/// database, as it was priced (the same content version, available, and
/// limited or not as it was).
pub(super) fn found<'r>(
    rows: impl Iterator<Item = &'r AnyRow>,
    lines: &[PricedLine],
) -> Result<Result<bool, ApiError>, sqlx::Error> {
    let priced = priced(lines);
    let mut rows = rows.peekable();
    let (visit_open, table_on) = match rows.peek() {
        Some(row) => (
            row.try_get::<i64, _>("open")? > 0,
            row.try_get::<i64, _>("table_on")? > 0,
        ),
        None => (false, false),
    };
    if !table_on {
        return Ok(Err(table_not_found()));
    }
    if !visit_open {
        return Ok(Err(visit_closed()));
    }
    let mut unchanged = 0;
    for row in rows {
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
    Ok(Ok(unchanged == priced.len()))
}
