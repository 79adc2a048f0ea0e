//! End-to-end kitchen confirmation: a kitchen display reports the orders it
//! printed for its station; an order is confirmed once every station of its
//! (not voided) lines that has a display has reported it. The outbox relay
//! checks unconfirmed orders against Redis and publishes again what Redis
//! lost (`outbox::recheck_once`); the console flags open orders that no
//! kitchen confirmed.

use axum::extract::State;
use qrorder_shared::admin::Role;
use qrorder_shared::order::{KitchenConfirmation, KitchenConfirmed};
use sqlx::{AssertSqlSafe, Row};

use crate::auth::{Caller, bearer, token_hash};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::infra::db::now_ms;
use crate::state::AppState;

use super::store;

/// A kitchen display reports orders it printed (device tokens only).
#[utoipa::path(post, path = "/orders/kitchen-confirmations", tag = "orders", security(("bearer" = [])),
    request_body = KitchenConfirmation,
    responses((status = 200, body = KitchenConfirmed), (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, description = "not a kitchen display's token", body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
pub(super) async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Json(report): Json<KitchenConfirmation>,
) -> ApiResult<Json<KitchenConfirmed>> {
    caller.require(&[Role::Device], "confirm kitchen tickets")?;
    if report.order_ids.is_empty() || report.order_ids.len() > KitchenConfirmation::MAX {
        return Err(ApiError::invalid(
            "order_ids",
            format!("give 1 to {} order ids", KitchenConfirmation::MAX),
        ));
    }
    let token = bearer(&headers).unwrap_or_default();
    let device =
        sqlx::query("SELECT id, station FROM devices WHERE token_hash = $1 AND revoked = 0")
            .bind(token_hash(token))
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or_else(|| ApiError::unauthorized("this display's token is no longer valid"))?;
    let (device_id, station): (i64, String) = (device.try_get("id")?, device.try_get("station")?);
    let restaurant = caller.restaurant_id;
    let mut ids = report.order_ids;
    ids.sort_unstable();
    ids.dedup();
    // $1.. are the order ids; the fixed values follow them.
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let marks = marks.join(", ");
    let n = ids.len();
    let now = now_ms();

    let mut tx = state.db.pool.begin().await?;
    let mut insert = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO kitchen_confirmations (order_id, station, device_id, confirmed_at) \
         SELECT id, ${s}, ${d}, ${t} FROM orders WHERE restaurant_id = ${r} AND id IN ({marks}) \
         ON CONFLICT (order_id, station) DO NOTHING",
        s = n + 1,
        d = n + 2,
        t = n + 3,
        r = n + 4,
    )));
    for id in &ids {
        insert = insert.bind(*id);
    }
    insert
        .bind(&station)
        .bind(device_id)
        .bind(now)
        .bind(restaurant.0)
        .execute(&mut *tx)
        .await?;
    let mut count = sqlx::query(AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM orders WHERE restaurant_id = ${r} AND id IN ({marks})",
        r = n + 1
    )));
    for id in &ids {
        count = count.bind(*id);
    }
    let recorded: i64 = count
        .bind(restaurant.0)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    // Confirmed: no line left whose station has a display and no report.
    let mut done = sqlx::query(AssertSqlSafe(format!(
        "UPDATE orders SET kitchen_confirmed_at = ${t} \
         WHERE restaurant_id = ${r} AND id IN ({marks}) AND kitchen_confirmed_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = orders.id AND i.void_id IS NULL \
             AND i.station IN (SELECT d.station FROM devices d WHERE d.restaurant_id = orders.restaurant_id AND d.revoked = 0) \
             AND NOT EXISTS (SELECT 1 FROM kitchen_confirmations c WHERE c.order_id = orders.id AND c.station = i.station)) \
         RETURNING id",
        t = n + 1,
        r = n + 2
    )));
    for id in &ids {
        done = done.bind(*id);
    }
    let confirmed: Vec<i64> = done
        .bind(now)
        .bind(restaurant.0)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<Result<_, _>>()?;
    tx.commit().await?;

    // The console's flag goes: the order as it now stands.
    if !confirmed.is_empty() {
        let state = state.clone();
        tokio::spawn(async move {
            for id in confirmed {
                match store::load(&state.db, restaurant, id).await {
                    Ok(order) => state.notify().kitchen_confirmed(restaurant, &order).await,
                    Err(e) => {
                        tracing::warn!(order = id, error = ?e, "cannot load a confirmed order")
                    }
                }
            }
        });
    }
    Ok(Json(KitchenConfirmed {
        recorded: usize::try_from(recorded).unwrap_or(0),
    }))
}
