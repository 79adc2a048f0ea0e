//! SQLite: the order in two hand-offs to the connection's thread. sqlx
//! runs each connection on a thread of its own and hands it every query
//! over a channel; with one writer at a time, an order's statements one
//! by one were eight hand-offs in a row while every other order waited.
//! Here one query of several statements (one argument list, numbered
//! placeholders shared between them) begins the transaction, checks the
//! table, visit and items, numbers the order and writes it with its
//! lines — the writes run whatever the check finds, and are rolled back
//! when it refuses —; limited stock is then taken statement by statement
//! (`stock::take`); a second query writes the outbox row and commits, or
//! a ROLLBACK ends it. The number is taken inside the transaction: no
//! gaps.

use sqlx::Row;
use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;

use crate::http::error::ApiError;
use crate::infra::db::{Backend, Db, is_unique_violation, placeholders};

use super::sql::{
    LINE_COLUMNS, ORDER_COLUMNS, bind_check, bind_lines, check_sql, found, line_values,
    number_upsert,
};
use super::{Ids, Placed, Placement, Placing, Sums, placed, written};

pub(super) async fn insert_once(
    db: &Db,
    p: &Placing<'_>,
    sums: &Sums,
) -> Result<Option<Placed>, Placement> {
    let r = p.restaurant;
    let _turn = db.sqlite_writer().await;
    let mut conn = Open(db.pool.acquire().await?, true);

    // The check first (its placeholders `$1`…), then the order's own from
    // the next: table name, day, key, request hash, currency, sums, time;
    // then the lines'. The order's id for its lines: the row of its key.
    let (check, used) = check_sql(Backend::Sqlite, p.lines);
    let n = |i: usize| format!("${}", used + i);
    let order_values = format!(
        "$2, $3, $1, {name}, {day}, (SELECT last_number FROM order_numbers WHERE restaurant_id = $2 \
         AND business_day = {day}), {key}, {rest}",
        name = n(1),
        day = n(2),
        key = n(3),
        rest = placeholders(used + 4, 6),
    );
    let sql = format!(
        "BEGIN IMMEDIATE; \
         SELECT 'check' AS k, c.* FROM ({check}) c; \
         {number}; \
         INSERT INTO orders ({ORDER_COLUMNS}) VALUES ({order_values}) RETURNING 'order' AS k, id, number; \
         INSERT INTO order_items ({LINE_COLUMNS}) VALUES {lines} RETURNING 'line' AS k, id",
        number = number_upsert("$2", &n(2)),
        lines = line_values(used + 10, p.lines.len(), |_| format!(
            "(SELECT id FROM orders WHERE table_id = $3 AND idempotency_key = {})",
            n(3)
        )),
    );
    let query = bind_check(sqlx::query(sqlx::AssertSqlSafe(sql)), p)
        .bind(&p.table.name)
        .bind(&sums.day)
        .bind(p.key)
        .bind(p.request_hash)
        .bind(r.currency.code())
        .bind(sums.subtotal)
        .bind(sums.tax)
        .bind(sums.total)
        .bind(sums.now);
    let rows = match bind_lines(query, p).fetch_all(&mut *conn.0).await {
        Ok(rows) => rows,
        Err(e) => {
            // When the rollback fails too (the transaction never began),
            // the connection is closed instead: the first error is told.
            conn.settle("ROLLBACK").await.ok();
            if is_unique_violation(&e) {
                return Err(Placement::DuplicateKey);
            }
            // The writes run before the check is read: one of them can fail
            // where the check refuses (a table deleted meanwhile fails the
            // order's foreign key). The check, alone, says which.
            let (check, _) = check_sql(Backend::Sqlite, p.lines);
            let checked = bind_check(sqlx::query(sqlx::AssertSqlSafe(check)), p)
                .fetch_all(&mut *conn.0)
                .await;
            if let Ok(rows) = checked
                && let Ok(Err(refusal)) = found(rows.iter(), p.lines)
            {
                return Err(refusal.into());
            }
            return Err(e.into());
        }
    };
    let of = |kind: &'static str| {
        rows.iter()
            .filter(move |row| row.try_get::<String, _>("k").is_ok_and(|k| k == kind))
    };
    match found(of("check"), p.lines)? {
        Err(refusal) => {
            conn.settle("ROLLBACK").await?;
            return Err(refusal.into());
        }
        Ok(false) => {
            conn.settle("ROLLBACK").await?;
            return Ok(None);
        }
        Ok(true) => {}
    }
    if let Err(e) = crate::orders::stock::take(&mut conn.0, p.lines).await {
        conn.settle("ROLLBACK").await?;
        return Err(e.into());
    }
    let order: Option<&AnyRow> = of("order").next();
    let order = order.ok_or_else(|| ApiError::internal("the order was not written"))?;
    let ids = Ids {
        order_id: order.try_get("id")?,
        number: order.try_get("number")?,
        line_ids: line_ids(of("line").map(|row| row.try_get("id")), p.lines.len())?,
    };
    let order_id = ids.order_id;
    let (order, payload) = written(p, sums, ids);
    let outbox = sqlx::query(
        "INSERT INTO outbox (restaurant_id, order_id, payload, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id; COMMIT",
    )
    .bind(r.id.0)
    .bind(order_id)
    .bind(&payload)
    .bind(sums.now)
    .fetch_all(&mut *conn.0)
    .await;
    let rows = match outbox {
        Ok(rows) => rows,
        Err(e) => {
            conn.settle("ROLLBACK").await.ok();
            return Err(e.into());
        }
    };
    conn.1 = false; // committed
    let outbox_id: i64 = rows
        .first()
        .ok_or_else(|| ApiError::internal("the outbox row was not written"))?
        .try_get("id")?;
    Ok(Some(placed(order, outbox_id, payload, p.lines)))
}

/// The ids of the lines one insert wrote, in the order of its lines: one
/// statement's rows take their rowids in the order of its `VALUES`;
/// `RETURNING`'s order is not promised, the ids' order is.
fn line_ids(
    ids: impl Iterator<Item = Result<i64, sqlx::Error>>,
    n: usize,
) -> Result<Vec<i64>, Placement> {
    let mut ids = ids.collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    if ids.len() != n {
        return Err(ApiError::internal("the order's lines were not all written").into());
    }
    Ok(ids)
}

/// A connection whose transaction sqlx does not know of (begun by a
/// query): while `.1`, it may be open, and the connection is closed
/// rather than handed back to the pool when dropped (a request given up
/// half-way), which rolls it back.
struct Open(PoolConnection<sqlx::Any>, bool);

impl Open {
    /// Ends the transaction with `statement`; the connection is then safe
    /// to hand back. On an error it stays marked and is closed.
    async fn settle(&mut self, statement: &'static str) -> Result<(), sqlx::Error> {
        sqlx::query(statement).execute(&mut *self.0).await?;
        self.1 = false;
        Ok(())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        if self.1 {
            self.0.close_on_drop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Open;
    use crate::infra::db::Db;
    use sqlx::Row;

    /// A request given up while its transaction is open (the future
    /// dropped between the two queries) leaves nothing written and no
    /// connection in the pool that is still inside that transaction.
    #[tokio::test]
    async fn a_connection_dropped_inside_its_transaction_is_closed_not_pooled() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::connect(&format!("sqlite:{}/t.db", dir.path().display()))
            .await
            .expect("connect");
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&db.pool)
            .await
            .expect("statement");
        for _ in 0..8 {
            let mut open = Open(db.pool.acquire().await.expect("acquire"), true);
            sqlx::query("BEGIN IMMEDIATE; INSERT INTO t (x) VALUES (1)")
                .execute(&mut *open.0)
                .await
                .expect("statement");
            drop(open);
        }
        // Every connection the pool hands out now is outside a transaction
        // and sees no row (each open one would see its own uncommitted row).
        let mut held = Vec::new();
        for _ in 0..4 {
            let mut conn = db.pool.acquire().await.expect("acquire");
            let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM t")
                .fetch_one(&mut *conn)
                .await
                .expect("select")
                .try_get("n")
                .expect("count");
            assert_eq!(rows, 0, "a dropped transaction's row is visible");
            sqlx::query("BEGIN IMMEDIATE; ROLLBACK")
                .execute(&mut *conn)
                .await
                .expect("a pooled connection was still inside a transaction");
            held.push(conn);
        }
        // And a settled one goes back to the pool as it should.
        drop(held);
        let mut open = Open(db.pool.acquire().await.expect("acquire"), true);
        sqlx::query("BEGIN IMMEDIATE; INSERT INTO t (x) VALUES (2)")
            .execute(&mut *open.0)
            .await
            .expect("statement");
        open.settle("COMMIT").await.expect("commit");
        drop(open);
        let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM t")
            .fetch_one(&db.pool)
            .await
            .expect("select")
            .try_get("n")
            .expect("count");
        assert_eq!(rows, 1);
    }
}
