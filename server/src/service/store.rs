//! Service requests in the database: one not done per visit and kind (a
//! unique partial index), so asking again — or two taps at once — finds
//! the open one instead of making another.

use qrorder_shared::service::{ServiceKind, ServiceRequest, ServiceState};
use qrorder_shared::{RestaurantId, TableId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::http::error::{ApiError, ApiResult};
use crate::infra::db::{Db, now_ms, placeholders};

const COLUMNS: &str =
    "id, table_id, visit_id, table_name, kind, state, created_at, acked_at, done_at";

/// The most requests one list holds.
pub(super) const MAX_LIST: i64 = 1000;

fn decode_err(column: &str, value: String) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.into(),
        source: format!("unknown {column} `{value}`").into(),
    }
}

fn from_row(row: &AnyRow) -> Result<ServiceRequest, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    Ok(ServiceRequest {
        id: row.try_get("id")?,
        table_id: TableId(row.try_get("table_id")?),
        visit_id: row.try_get("visit_id")?,
        table_name: row.try_get("table_name")?,
        kind: ServiceKind::parse(&kind).ok_or_else(|| decode_err("kind", kind.clone()))?,
        state: ServiceState::parse(&state).ok_or_else(|| decode_err("state", state.clone()))?,
        created_at: row.try_get("created_at")?,
        acked_at: row.try_get("acked_at")?,
        done_at: row.try_get("done_at")?,
    })
}

/// The visit's request of `kind` that is not done yet, if any.
async fn pending(db: &Db, visit_id: i64, kind: ServiceKind) -> ApiResult<Option<ServiceRequest>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM service_requests WHERE visit_id = $1 AND kind = $2 AND state <> 'done'"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(visit_id)
        .bind(kind.as_str())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Where a request is made.
pub(super) struct Place<'a> {
    pub restaurant: RestaurantId,
    pub table_id: TableId,
    pub table_name: &'a str,
    pub visit_id: i64,
}

/// The visit's pending request of `kind`, or a new one (`true`). Race-free:
/// of two inserts at once the unique index lets one through, and the other
/// finds it. `None` when the visit was closed meanwhile.
pub(super) async fn open_or_pending(
    db: &Db,
    at: &Place<'_>,
    kind: ServiceKind,
) -> ApiResult<Option<(ServiceRequest, bool)>> {
    // Bounded: each round either inserts, finds one, or saw one finished
    // between the two statements.
    for _ in 0..5 {
        if let Some(existing) = pending(db, at.visit_id, kind).await? {
            return Ok(Some((existing, false)));
        }
        let sql = format!(
            "INSERT INTO service_requests (restaurant_id, table_id, visit_id, table_name, kind, created_at) \
             SELECT $1, $2, $3, $4, $5, $6 FROM table_visits WHERE id = $7 AND closed_at IS NULL \
             ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
        );
        let inserted = sqlx::query(AssertSqlSafe(sql))
            .bind(at.restaurant.0)
            .bind(at.table_id.0)
            .bind(at.visit_id)
            .bind(at.table_name)
            .bind(kind.as_str())
            .bind(now_ms())
            .bind(at.visit_id)
            .fetch_optional(&db.pool)
            .await?;
        if let Some(row) = inserted {
            return Ok(Some((from_row(&row)?, true)));
        }
        let open: Option<i64> =
            sqlx::query("SELECT id FROM table_visits WHERE id = $1 AND closed_at IS NULL")
                .bind(at.visit_id)
                .fetch_optional(&db.pool)
                .await?
                .map(|r| r.try_get("id"))
                .transpose()?;
        if open.is_none() {
            return Ok(None);
        }
    }
    Err(ApiError::unavailable(
        "the request could not be recorded right now; try again",
    ))
}

/// The requests of a visit, oldest first.
pub(super) async fn of_visit(db: &Db, visit_id: i64) -> ApiResult<Vec<ServiceRequest>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM service_requests WHERE visit_id = $1 ORDER BY id LIMIT {MAX_LIST}"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(visit_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The restaurant's requests in `states` of its tables' current visits,
/// oldest first (a closed visit's requests are over).
pub(super) async fn list(
    db: &Db,
    restaurant: RestaurantId,
    states: &[ServiceState],
    table: Option<TableId>,
) -> ApiResult<Vec<ServiceRequest>> {
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("s.{c}")).collect();
    let mut sql = format!(
        "SELECT {} FROM service_requests s JOIN table_visits v ON v.id = s.visit_id \
         WHERE s.restaurant_id = $1 AND v.closed_at IS NULL",
        columns.join(", ")
    );
    let mut next = 2;
    if table.is_some() {
        sql.push_str(" AND s.table_id = $2");
        next = 3;
    }
    sql.push_str(&format!(
        " AND s.state IN ({}) ORDER BY s.id LIMIT {MAX_LIST}",
        placeholders(next, states.len())
    ));
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(restaurant.0);
    if let Some(t) = table {
        query = query.bind(t.0);
    }
    for s in states {
        query = query.bind(s.as_str());
    }
    let rows = query.fetch_all(&db.pool).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

pub(super) async fn load(db: &Db, restaurant: RestaurantId, id: i64) -> ApiResult<ServiceRequest> {
    let sql =
        format!("SELECT {COLUMNS} FROM service_requests WHERE id = $1 AND restaurant_id = $2");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .bind(restaurant.0)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("service request"))?;
    Ok(from_row(&row)?)
}

/// Moves the request on to `to` (`acked` from `open`; `done` from either),
/// by `by`. `None` when it was not in a state to (the caller looks).
pub(super) async fn advance(
    db: &Db,
    restaurant: RestaurantId,
    id: i64,
    to: ServiceState,
    by: Option<UserId>,
) -> ApiResult<Option<ServiceRequest>> {
    let set = match to {
        ServiceState::Acked => "state = 'acked', acked_at = $1, acked_by = $2 WHERE state = 'open'",
        ServiceState::Done => "state = 'done', done_at = $1, done_by = $2 WHERE state <> 'done'",
        ServiceState::Open => return Ok(None),
    };
    let sql = format!(
        "UPDATE service_requests SET {set} AND id = $3 AND restaurant_id = $4 RETURNING {COLUMNS}"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(now_ms())
        .bind(by.map(|u| u.0))
        .bind(id)
        .bind(restaurant.0)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}
