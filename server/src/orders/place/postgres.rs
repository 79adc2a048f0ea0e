//! PostgreSQL: the order in three round trips, the handler's idempotency
//! check included. The day's number and the ids the order and its lines
//! will have are taken in a statement of their own (their rows and
//! sequences are locked only for it), so that the order's stream payload
//! is known before it is written; then one statement checks the table,
//! the visit (locking its row) and the items, and writes the order, its
//! lines and its outbox row only when all hold — one statement, one
//! transaction. An order with limited stock takes it first in a
//! transaction of its own: BEGIN, the check, stock, that statement,
//! COMMIT. An order refused after its number (sold out, visit closed
//! meanwhile, an `Idempotency-Key` race) or priced again (`insert` takes
//! a second number) leaves a gap in that day's ticket numbers.
//!
//! The number's row is every order's of the restaurant that day: its
//! statement commits without waiting for the WAL to reach the disk
//! (`synchronous_commit` off for that statement alone), else each order
//! would hold the row through a disk flush while the others queue. Nothing
//! can be lost by it: the order's own commit waits for the WAL up to its
//! record, which is after the number's, so a committed order's number is
//! on disk; a crash before the order commits may hand that number out
//! again, to an order that is then the only one with it.

use qrorder_shared::order::Order;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection, Row};

use crate::http::error::ApiError;
use crate::infra::db::{Backend, Db, is_unique_violation, placeholders};

use super::sql::{
    AnyQuery, LINE_COLUMNS, ORDER_COLUMNS, VISIT_LOCK, bind_check, bind_lines, check_select,
    check_sql, found, line_values, number_upsert, priced,
};
use super::{Ids, Placed, Placement, Placing, Sums, placed, written};

pub(super) async fn insert_once(
    db: &Db,
    p: &Placing<'_>,
    sums: &Sums,
) -> Result<Option<Placed>, Placement> {
    let mut conn = db.pool.acquire().await?;
    let ids = reserve(&mut conn, p, sums).await?;
    let number = ids.number;
    let (order, payload) = written(p, sums, ids);
    let write = bind_write(p, sums, &order, number, &payload);
    if p.lines.iter().all(|l| l.item.stock.is_none()) {
        return match outbox_row(write.fetch_all(&mut *conn).await, p)? {
            Ok(outbox_id) => Ok(Some(placed(order, outbox_id, payload, p.lines))),
            Err(not_written) => not_written,
        };
    }

    // Limited stock: the visit locked and the items checked first (no
    // stock is taken for a closed visit), then stock in item order.
    let mut tx = conn.begin().await?;
    let (check, _) = check_sql(Backend::Postgres, p.lines);
    let rows = bind_check(sqlx::query(sqlx::AssertSqlSafe(check)), p)
        .fetch_all(&mut *tx)
        .await?;
    let checked = match found(rows.iter(), p.lines)? {
        Err(refusal) => Err(Err(refusal.into())),
        Ok(false) => Err(Ok(None)),
        Ok(true) => match crate::orders::stock::take(&mut tx, p.lines).await {
            Err(e) => Err(Err(e.into())),
            Ok(()) => outbox_row(write.fetch_all(&mut *tx).await, p)?,
        },
    };
    match checked {
        Ok(outbox_id) => {
            tx.commit().await?;
            Ok(Some(placed(order, outbox_id, payload, p.lines)))
        }
        Err(not_written) => {
            tx.rollback().await?;
            not_written
        }
    }
}

/// What placing gives when the order was not written: a refusal, a
/// duplicate key, or `None` for items priced against an older menu.
type NotWritten = Result<Option<Placed>, Placement>;

/// The outbox row's id of the written order, or why it was not written.
fn outbox_row(
    rows: Result<Vec<AnyRow>, sqlx::Error>,
    p: &Placing<'_>,
) -> Result<Result<i64, NotWritten>, Placement> {
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) if is_unique_violation(&e) => return Ok(Err(Err(Placement::DuplicateKey))),
        Err(e) => return Err(e.into()),
    };
    let outbox: Option<i64> = match rows.first() {
        Some(row) => row.try_get("outbox_id")?,
        None => None,
    };
    // Written (and, outside a transaction, committed): nothing else is read.
    if let Some(id) = outbox {
        return Ok(Ok(id));
    }
    Ok(match found(rows.iter(), p.lines)? {
        Err(refusal) => Err(Err(refusal.into())),
        Ok(false) => Err(Ok(None)),
        Ok(true) => Err(Err(ApiError::internal(
            "the order was checked but not written",
        )
        .into())),
    })
}

/// The day's number and the ids of the order and its lines.
async fn reserve(conn: &mut AnyConnection, p: &Placing<'_>, sums: &Sums) -> Result<Ids, Placement> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH n AS ({}), \
         o AS (SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id), \
         l AS (SELECT nextval(pg_get_serial_sequence('order_items', 'id')) AS id FROM generate_series(1, $3)), \
         s AS (SELECT set_config('synchronous_commit', 'off', true)) \
         SELECT n.last_number, o.id AS order_id, l.id AS line_id FROM n, o, l, s ORDER BY l.id",
        number_upsert("$1", "$2")
    )))
    .bind(p.restaurant.id.0)
    .bind(&sums.day)
    .bind(i64::try_from(p.lines.len()).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    let first = rows
        .first()
        .ok_or_else(|| ApiError::internal("no order number was given"))?;
    Ok(Ids {
        order_id: first.try_get("order_id")?,
        number: first.try_get("last_number")?,
        line_ids: rows
            .iter()
            .map(|row| row.try_get("line_id"))
            .collect::<Result<_, _>>()?,
    })
}

/// The statement that writes `order` (with the ids `reserve` gave it and
/// its day's `number`), its lines and its outbox row when
/// its table is on, its visit open (its row locked) and every item as it
/// was priced; it returns the check's rows (`found` reads them) with the
/// outbox row's id (NULL when nothing was written).
fn bind_write(p: &Placing<'_>, sums: &Sums, order: &Order, number: i64, payload: &str) -> AnyQuery {
    let items = priced(p.lines);
    let k = items.len();
    // After the check's `$1`…`$(4+k)`: each item's version and limited
    // flag; the order's own; the lines' columns; their ids; the payload.
    let expected = 5 + k;
    let own = expected + 2 * k;
    let lines = own + 11;
    let lines_ids = lines + 12 * p.lines.len();
    let payload_at = lines_ids + p.lines.len();
    let want = (0..k)
        .map(|i| {
            format!(
                "(${}, ${}, ${})",
                5 + i,
                expected + 2 * i,
                expected + 2 * i + 1
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "WITH v AS ({VISIT_LOCK}), c AS ({check}), \
         w (id, version, limited) AS (VALUES {want}), \
         ok AS (SELECT (SELECT MAX(open) FROM c) > 0 AND (SELECT MAX(table_on) FROM c) > 0 \
           AND (SELECT COUNT(*) FROM c JOIN w ON c.id = w.id AND c.version = w.version AND c.available <> 0 \
                AND (c.stock IS NOT NULL) = (w.limited <> 0)) = {k} AS ok), \
         o AS (INSERT INTO orders (id, {ORDER_COLUMNS}) OVERRIDING SYSTEM VALUE \
           SELECT ${own}, $2, $3, $1, {order_rest} WHERE (SELECT ok FROM ok) RETURNING id), \
         l AS (INSERT INTO order_items (id, {LINE_COLUMNS}) OVERRIDING SYSTEM VALUE \
           SELECT * FROM (VALUES {line_rows}) r WHERE EXISTS (SELECT 1 FROM o)), \
         x AS (INSERT INTO outbox (restaurant_id, order_id, payload, created_at) \
           SELECT $2, ${own}, ${payload_at}, ${now} WHERE EXISTS (SELECT 1 FROM o) RETURNING id) \
         SELECT c.*, (SELECT id FROM x) AS outbox_id FROM c",
        check = check_select("(SELECT COUNT(*) FROM v)", k),
        order_rest = placeholders(own + 1, 10),
        now = own + 10,
        line_rows = line_values(lines, p.lines.len(), |row| {
            format!("${}, ${own}", lines_ids + row)
        }),
    );
    let mut query = bind_check(sqlx::query(sqlx::AssertSqlSafe(sql)), p);
    for l in items.values() {
        query = query
            .bind(l.item.version)
            .bind(i64::from(l.item.stock.is_some()));
    }
    query = query
        .bind(order.id)
        .bind(p.table.name.clone())
        .bind(sums.day.clone())
        .bind(number)
        .bind(p.key.to_owned())
        .bind(p.request_hash.to_owned())
        .bind(p.restaurant.currency.code())
        .bind(sums.subtotal)
        .bind(sums.tax)
        .bind(sums.total)
        .bind(sums.now);
    query = bind_lines(query, p);
    for line in &order.items {
        query = query.bind(line.id);
    }
    query.bind(payload.to_owned())
}
