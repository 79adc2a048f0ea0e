//! The transactional outbox: every order is committed with an outbox row,
//! and the row is published to the restaurant's kitchen stream after the
//! commit — at once when Redis is up, else by the relay loop when it is back.
//! A Redis-side marker makes the XADD happen once per order (and once per
//! void: a row with `void_id` is a void of some of the order's lines),
//! however many instances publish or retry.
//!
//! Published is not printed: Redis may lose what it acknowledged (a restart
//! without its data, a failover to a replica that missed the write). Until
//! the kitchen displays confirm an order (`kitchen.rs`), the relay checks it
//! again every `kitchen_recheck_ms`: when the marker is gone, Redis lost the
//! order, and the same XADD puts it on the stream again. A display that had
//! printed it already acknowledges the copy without printing (its journal).

use std::time::Duration;

use anyhow::Context;
use qrorder_shared::RestaurantId;
use qrorder_shared::stream::VOID_ID_FIELD;
use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::watch;

use crate::infra::db::{Backend, now_ms, placeholders};
use crate::state::AppState;

/// Entries kept in a stream: far above what any consumer group can still need.
const STREAM_MAXLEN: u64 = 100_000;
/// How long the once-per-order marker lives (longer than any outage we ride out).
const PUBLISHED_MARKER_SECS: u64 = 7 * 24 * 3600;
/// Rows younger than this are left to the publisher that wrote them.
const RELAY_GRACE_MS: i64 = 2_000;
const RELAY_BATCH: i64 = 100;
/// Orders older than this are no longer checked for a kitchen's confirmation.
const RECHECK_WINDOW_MS: i64 = 12 * 3600 * 1000;

/// SET the marker if absent, and only then XADD the entry's fields (ARGV[3]
/// on, name and value pairs); atomic in Redis. Both keys share the
/// restaurant's hash tag.
const PUBLISH_ONCE: &str = r"
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return false
";

struct Pending {
    id: i64,
    restaurant: RestaurantId,
    order_id: i64,
    /// Set when the row is a void of some of the order's lines.
    void_id: Option<i64>,
    payload: String,
}

fn pending(row: &AnyRow) -> Result<Pending, sqlx::Error> {
    Ok(Pending {
        id: row.try_get("id")?,
        restaurant: RestaurantId(row.try_get("restaurant_id")?),
        order_id: row.try_get("order_id")?,
        void_id: row.try_get("void_id")?,
        payload: row.try_get("payload")?,
    })
}

/// Adds the order (or the void) to its stream unless it is already there.
/// `Some(id)` is the new entry's id, `None` means it was published before.
async fn xadd_once(state: &AppState, p: &Pending) -> redis::RedisResult<Option<String>> {
    let mut conn = state.redis.conn().await?;
    let marker = match p.void_id {
        None => state.keys.order_published(p.restaurant, p.order_id),
        Some(v) => state.keys.void_published(p.restaurant, v),
    };
    let script = redis::Script::new(PUBLISH_ONCE);
    let mut call = script.prepare_invoke();
    call.key(state.keys.orders_stream(p.restaurant))
        .key(marker)
        .arg(PUBLISHED_MARKER_SECS)
        .arg(STREAM_MAXLEN)
        .arg("order_id")
        .arg(p.order_id);
    if let Some(v) = p.void_id {
        call.arg(VOID_ID_FIELD).arg(v);
    }
    call.arg("payload").arg(&p.payload);
    call.invoke_async(&mut conn).await
}

/// `$1` now, `$2` the outbox row.
const MARK_PUBLISHED: &str =
    "UPDATE outbox SET published_at = $1 WHERE id = $2 AND published_at IS NULL";

/// Right after the commit: one attempt. A failure is logged and left to the
/// relay; the order is safe in the database either way.
pub async fn publish_now(
    state: AppState,
    outbox_id: i64,
    restaurant: RestaurantId,
    order_id: i64,
    void_id: Option<i64>,
    payload: String,
) {
    let result: anyhow::Result<()> = async {
        let p = Pending {
            id: outbox_id,
            restaurant,
            order_id,
            void_id,
            payload,
        };
        xadd_once(&state, &p)
            .await
            .context("XADD to the kitchen stream")?;
        Ok(())
    }
    .await;
    match result {
        // Marked with the others published meanwhile, in one statement.
        Ok(()) => {
            state
                .published
                .add(outbox_id, |ids| mark_all_published(&state, ids))
                .await
        }
        Err(e) => {
            tracing::warn!(outbox_id, error = %format!("{e:#}"), "order not yet on the kitchen stream; the relay will retry");
        }
    }
}

/// Marks the outbox rows `ids` published. A failure leaves them to the
/// relay, which offers them again: the stream takes each once (its marker).
async fn mark_all_published(state: &AppState, ids: Vec<i64>) {
    let sql = format!(
        "UPDATE outbox SET published_at = $1 WHERE id IN ({}) AND published_at IS NULL",
        placeholders(2, ids.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now_ms());
    for id in &ids {
        query = query.bind(*id);
    }
    let _turn = state.db.sqlite_writer().await;
    if let Err(e) = query.execute(&state.db.pool).await {
        tracing::warn!(rows = ids.len(), error = %e, "outbox rows not marked published; the relay will offer them again");
    }
}

/// Publishes what is unpublished, every `interval`, until shutdown. On
/// PostgreSQL rows are claimed with `FOR UPDATE SKIP LOCKED`, so several
/// instances relay side by side without waiting on each other.
pub async fn relay(state: AppState, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    tracing::info!(?interval, "outbox relay started");
    loop {
        match relay_once(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(published = n, "outbox relay published orders"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "outbox relay: will retry"),
        }
        match recheck_once(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                published = n,
                "Redis had lost orders no kitchen had confirmed; published them again"
            ),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "kitchen re-check: will retry"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => break,
        }
    }
    tracing::info!("outbox relay stopped");
}

/// Offers each outbox row `select` picks (its values bound in order, as
/// `binds`) to its stream, then runs `mark` for it with `$1` now and `$2`
/// the row's `key`. Returns each row's order and the new entry, if the
/// stream took it (`None`: it was there already). On PostgreSQL the rows
/// are claimed with `lock` (`FOR UPDATE … SKIP LOCKED`) and marked in the
/// same transaction, so several instances share the work without waiting
/// on each other; one SQLite file has one writer: no transaction across
/// Redis calls.
async fn offer_each(
    state: &AppState,
    select: &str,
    lock: &str,
    binds: &[i64],
    mark: &'static str,
    key: fn(&Pending) -> i64,
) -> anyhow::Result<Vec<(i64, Option<String>)>> {
    let postgres = state.db.backend == Backend::Postgres;
    let sql = if postgres {
        format!("{select} {lock}")
    } else {
        select.to_owned()
    };
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(*b);
    }
    let mut offered = Vec::new();
    if postgres {
        let mut tx = state.db.pool.begin().await?;
        for row in &query.fetch_all(&mut *tx).await? {
            let p = pending(row)?;
            let entry = xadd_once(state, &p)
                .await
                .context("XADD to the kitchen stream")?;
            sqlx::query(mark)
                .bind(now_ms())
                .bind(key(&p))
                .execute(&mut *tx)
                .await?;
            offered.push((p.order_id, entry));
        }
        tx.commit().await?;
    } else {
        for row in &query.fetch_all(&state.db.pool).await? {
            let p = pending(row)?;
            let entry = xadd_once(state, &p)
                .await
                .context("XADD to the kitchen stream")?;
            sqlx::query(mark)
                .bind(now_ms())
                .bind(key(&p))
                .execute(&state.db.pool)
                .await?;
            offered.push((p.order_id, entry));
        }
    }
    Ok(offered)
}

/// One pass; returns how many rows were published.
pub async fn relay_once(state: &AppState) -> anyhow::Result<usize> {
    let select = "SELECT id, restaurant_id, order_id, void_id, payload FROM outbox \
                  WHERE published_at IS NULL AND created_at <= $1 ORDER BY id LIMIT $2";
    let offered = offer_each(
        state,
        select,
        "FOR UPDATE SKIP LOCKED",
        &[now_ms() - RELAY_GRACE_MS, RELAY_BATCH],
        MARK_PUBLISHED,
        |p| p.id,
    )
    .await?;
    Ok(offered.len())
}

/// One pass over the open orders no kitchen display has confirmed, published
/// at least `kitchen_recheck_ms` ago and not checked since: each is offered
/// to its stream again, which adds it only when Redis lost its marker —
/// and so are its voids, after it (its outbox rows in order), so that a
/// kitchen that gets the order's first payload again also hears which of
/// its lines were voided. Returns how many entries were published again.
pub async fn recheck_once(state: &AppState) -> anyhow::Result<usize> {
    let now = now_ms();
    let due = now - i64::try_from(state.config.kitchen_recheck_ms).unwrap_or(i64::MAX);
    let select = "SELECT x.id, x.restaurant_id, x.order_id, x.void_id, x.payload FROM orders o \
                  JOIN outbox x ON x.order_id = o.id \
                  WHERE o.kitchen_confirmed_at IS NULL AND o.kitchen_checked_at <= $1 \
                  AND o.created_at >= $2 AND o.status IN ('placed', 'accepted', 'preparing') \
                  AND x.published_at IS NOT NULL AND x.published_at <= $1 \
                  ORDER BY o.kitchen_checked_at, o.id, x.id LIMIT $3";
    let offered = offer_each(
        state,
        select,
        "FOR UPDATE OF o SKIP LOCKED",
        &[due, now - RECHECK_WINDOW_MS, RELAY_BATCH],
        "UPDATE orders SET kitchen_checked_at = $1 WHERE id = $2",
        |p| p.order_id,
    )
    .await?;
    let mut again = 0;
    for (order, entry) in offered {
        if let Some(entry) = entry {
            tracing::warn!(
                order,
                entry,
                "order lost by Redis before a kitchen confirmed it; published again"
            );
            again += 1;
        }
    }
    Ok(again)
}
