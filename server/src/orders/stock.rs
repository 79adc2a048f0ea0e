//! Limited stock: taken when an order is placed (optimistic, in item id
//! order so that everyone locks in the same order), given back when it is
//! cancelled or some of its lines are voided (each line once), and which
//! items have it (their count changed).

use std::collections::BTreeMap;

use qrorder_shared::MenuItemId;
use qrorder_shared::RestaurantId;
use serde_json::json;
use sqlx::{AnyConnection, Row};

use crate::http::error::{ApiError, ApiResult};
use crate::infra::db::Db;

use super::rules::PricedLine;

/// Attempts at one item's optimistic stock update before giving up as busy.
const STOCK_ATTEMPTS: usize = 32;

/// Takes the limited stock `lines` need, inside the caller's transaction:
/// 409 `sold_out` naming what is short, 503 when too many orders race for
/// one dish.
pub(super) async fn take(conn: &mut AnyConnection, lines: &[PricedLine]) -> ApiResult<()> {
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
                .fetch_one(&mut *conn)
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
            .execute(&mut *conn)
            .await?;
            if taken.rows_affected() == 1 {
                continue 'items;
            }
        }
        let mut busy =
            ApiError::unavailable("many orders for the same dish at once; please try again");
        busy.retry_after_secs = Some(1);
        return Err(busy);
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
        .with_details(json!({ "items": sold_out })));
    }
    Ok(())
}

/// Which lines of an order give their stock back.
#[derive(Debug, Clone, Copy)]
pub(super) enum Returned {
    /// The order is cancelled: its lines not voided before (those gave
    /// theirs back when they were voided).
    Order(i64),
    /// The lines of this void.
    Void(i64),
}

/// Gives back the stock of the lines `which` says, inside the caller's
/// transaction; in item id order, the lock order of `take`.
pub(super) async fn give_back(
    conn: &mut AnyConnection,
    restaurant: RestaurantId,
    which: Returned,
) -> ApiResult<()> {
    let (filter, id) = match which {
        Returned::Order(order_id) => ("order_id = $1 AND void_id IS NULL", order_id),
        Returned::Void(void_id) => ("void_id = $1", void_id),
    };
    // In item id order, the lock order of order placement (no deadlocks).
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT menu_item_id, CAST(SUM(qty) AS BIGINT) AS qty FROM order_items WHERE {filter} \
         GROUP BY menu_item_id ORDER BY menu_item_id"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        sqlx::query(
            "UPDATE menu_items SET stock = stock + $1, stock_version = stock_version + 1 \
             WHERE id = $2 AND restaurant_id = $3 AND stock IS NOT NULL",
        )
        .bind(row.try_get::<i64, _>("qty")?)
        .bind(row.try_get::<i64, _>("menu_item_id")?)
        .bind(restaurant.0)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Of `ids`, those with limited stock (their remaining count changed).
pub(super) async fn limited_items(
    db: &Db,
    restaurant: RestaurantId,
    mut ids: Vec<MenuItemId>,
) -> Vec<MenuItemId> {
    ids.sort();
    ids.dedup();
    let limited =
        sqlx::query("SELECT id FROM menu_items WHERE restaurant_id = $1 AND stock IS NOT NULL")
            .bind(restaurant.0)
            .fetch_all(&db.pool)
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
