//! Table tokens as diners present them, and table visits: the time from the
//! first diner sitting down to the bill being closed. Orders belong to a
//! visit; closing the bill ends it, so a page opened during an earlier
//! visit can no longer order.

use qrorder_shared::{RestaurantId, TableId};
use sqlx::Row;

use crate::http::error::{ApiError, ApiResult};
pub use crate::infra::cache::TableByToken;
use crate::infra::db::{Db, is_unique_violation, now_ms};
use crate::state::AppState;

/// `resolve_token` through this process's cache (`infra::cache`), for the
/// diners' HTTP requests: a rotated or switched-off token is refused at
/// once by this process and within `cache_ttl_ms` by the others. (The
/// diners' socket re-checks with `resolve_token` itself: it must see a
/// rotation as soon as it is told of it.)
pub async fn table_by_token(state: &AppState, token: &str) -> ApiResult<TableByToken> {
    state
        .caches
        .tables
        .get_or_load(token.to_owned(), resolve_token(&state.db, token))
        .await
}

/// Unknown, rotated and switched-off table codes all answer this 404.
pub fn table_not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "table_not_found",
        "This table code is not valid (any more). Please scan the code on your table again or ask the staff.",
    )
}

/// The active table with this token; unknown, rotated and deactivated
/// tokens all answer the same 404.
pub async fn resolve_token(db: &Db, token: &str) -> ApiResult<TableByToken> {
    let not_found = table_not_found;
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
