//! The table map's "seated": how many people are at a table — the diners
//! with its page open on its current visit, from presence (`presence.rs`,
//! in Redis, so every ws instance counts the same sockets). A join or a
//! leave is told to the staff feed as a `table` message with `people`,
//! once it settled for `SETTLE` (one telling per visit across instances:
//! a page reloaded — leave, join — says nothing) and only when the number
//! differs from the one told last. A socket's refresh tells too when the
//! number changed unseen (entries of a dead instance fading out).
//! `GET /admin/tables/people` gives every table's number for the map's
//! first load.

use std::time::Duration;

use crate::infra::redis::RedisConn;
use axum::extract::State;
use qrorder_shared::ws::TablePeople;
use qrorder_shared::{RestaurantId, TableId};

use super::presence::Presence;
use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::state::AppState;
use crate::tables::open_visit;

/// How long a change of the people at a table settles before it is told.
pub const SETTLE: Duration = Duration::from_millis(250);
/// The settling mark outlives a telling that never came (its instance died).
const SETTLING_MS: u64 = 5_000;
/// How long the number told last is kept (a visit's day).
const TOLD_SECS: u64 = 24 * 3600;

/// The visit `visit` of `table`, as presence and the staff feed know it.
#[derive(Debug, Clone, Copy)]
pub struct Seat {
    pub restaurant: RestaurantId,
    pub table: TableId,
    pub visit: i64,
}

/// How many distinct diners are at the visit now.
async fn count(state: &AppState, conn: &mut RedisConn, seat: Seat) -> redis::RedisResult<u32> {
    let presence = Presence {
        key: state.keys.presence(seat.restaurant, seat.visit),
        channel: String::new(),
        field: String::new(),
    };
    Ok(u32::try_from(presence.list(conn).await?.len()).unwrap_or(u32::MAX))
}

/// Somebody joined or left: tell the staff feed once it settled. Returns
/// at once; the telling runs on its own.
pub fn changed(state: &AppState, seat: Seat) {
    let state = state.clone();
    tokio::spawn(async move {
        let result: redis::RedisResult<()> = async {
            let mut conn = state.redis.conn().await?;
            let settling = state.keys.presence_settling(seat.restaurant, seat.visit);
            let first: Option<String> = redis::cmd("SET")
                .arg(&settling)
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(SETTLING_MS)
                .query_async(&mut conn)
                .await?;
            if first.is_none() {
                return Ok(()); // a telling is on its way and will count this change
            }
            tokio::time::sleep(SETTLE).await;
            // Cleared before counting: a change from now on starts its own telling.
            let _: i64 = redis::cmd("DEL")
                .arg(&settling)
                .query_async(&mut conn)
                .await?;
            tell_if_changed(&state, &mut conn, seat).await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not tell the staff feed who is at a table");
        }
    });
}

/// Tells the staff feed the visit's number of people if it is not the one
/// told last.
pub async fn tell_if_changed(
    state: &AppState,
    conn: &mut RedisConn,
    seat: Seat,
) -> redis::RedisResult<()> {
    let people = count(state, conn, seat).await?;
    let told: Option<u32> = redis::cmd("SET")
        .arg(state.keys.presence_told(seat.restaurant, seat.visit))
        .arg(people)
        .arg("GET")
        .arg("EX")
        .arg(TOLD_SECS)
        .query_async(conn)
        .await?;
    if told.unwrap_or(0) != people {
        state
            .notify()
            .people(seat.restaurant, seat.table, seat.visit, people)
            .await;
    }
    Ok(())
}

/// How many people are at each table in service now (diners with its page
/// open on its current visit). Owners and staff.
#[utoipa::path(get, path = "/tables/people", tag = "tables", security(("bearer" = [])),
    responses((status = 200, body = Vec<TablePeople>), (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, body = qrorder_shared::ErrorBody, description = "a device"),
              (status = 503, body = qrorder_shared::ErrorBody, description = "`unavailable`: Redis is unreachable")))]
pub(super) async fn table_people(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<TablePeople>>> {
    caller.require_people("see who is at the tables")?;
    let tables = crate::tables::list(&state.db, caller.restaurant_id, "").await?;
    let down = |e: redis::RedisError| {
        tracing::warn!(error = %e, "presence unreadable");
        ApiError::unavailable(
            "who is at the tables cannot be read right now (Redis is unreachable)",
        )
    };
    let mut conn = state.redis.conn().await.map_err(down)?;
    let mut out = Vec::new();
    for t in tables.into_iter().filter(|t| t.active) {
        // Reading only: a table with no open visit has no one at it (a
        // diner's socket opens its visit), and none is opened here.
        let Some(visit) = open_visit(&state.db, t.id).await? else {
            continue;
        };
        let seat = Seat {
            restaurant: caller.restaurant_id,
            table: t.id,
            visit: visit.id,
        };
        out.push(TablePeople {
            table_id: t.id,
            visit_id: visit.id,
            people: count(&state, &mut conn, seat).await.map_err(down)?,
        });
    }
    Ok(Json(out))
}
