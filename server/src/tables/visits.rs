//! Table tokens as diners present them, and table visits: the time from the
//! first diner sitting down to the bill being closed. Orders belong to a
//! visit; closing the bill ends it, so a page opened during an earlier
//! visit can no longer order.

use qrorder_shared::{RestaurantId, TableId};
use sqlx::Row;

use crate::http::error::{ApiError, ApiResult};
use crate::infra::db::{Db, is_unique_violation, now_ms};

/// A table found by the token in its QR code.
#[derive(Debug, Clone)]
pub struct TableByToken {
    pub id: TableId,
    pub restaurant_id: RestaurantId,
    pub name: String,
}

/// The active table with this token; unknown, rotated and deactivated
/// tokens all answer the same 404.
pub async fn resolve_token(db: &Db, token: &str) -> ApiResult<TableByToken> {
    let not_found = || {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "table_not_found",
            "This table code is not valid (any more). Please scan the code on your table again or ask the staff.",
        )
    };
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    let row = sqlx::query(
        "SELECT id, restaurant_id, name FROM dining_tables WHERE token = $1 AND active = 1",
    )
    .bind(token)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(not_found)?;
    Ok(TableByToken {
        id: TableId(row.try_get("id")?),
        restaurant_id: RestaurantId(row.try_get("restaurant_id")?),
        name: row.try_get("name")?,
    })
}

#[derive(Debug, Clone, Copy)]
pub struct Visit {
    pub id: i64,
    pub opened_at: i64,
}

/// The table's open visit, opened now if there is none.
pub async fn current_visit(db: &Db, restaurant: RestaurantId, table: TableId) -> ApiResult<Visit> {
    // Two diners arriving at once may both try to open one: the unique
    // index lets one win, and the other reads the winner's.
    for _ in 0..3 {
        if let Some(v) = open_visit(db, table).await? {
            return Ok(v);
        }
        let now = now_ms();
        let inserted = sqlx::query(
            "INSERT INTO table_visits (restaurant_id, table_id, opened_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(restaurant.0)
        .bind(table.0)
        .bind(now)
        .fetch_one(&db.pool)
        .await;
        match inserted {
            Ok(row) => {
                return Ok(Visit {
                    id: row.try_get("id")?,
                    opened_at: now,
                });
            }
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::unavailable(
        "could not open the table's visit; try again",
    ))
}

pub async fn open_visit(db: &Db, table: TableId) -> ApiResult<Option<Visit>> {
    let row = sqlx::query(
        "SELECT id, opened_at FROM table_visits WHERE table_id = $1 AND closed_at IS NULL",
    )
    .bind(table.0)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some(r) => Some(Visit {
            id: r.try_get("id")?,
            opened_at: r.try_get("opened_at")?,
        }),
        None => None,
    })
}
