//! Kitchen devices: registered by owners (a device's token opens the
//! kitchen feed) or paired with a one-time code (`pairing`), each with its
//! own bearer token (shown once), station and — with `REDIS_DEVICE_ACL` —
//! its own Redis user (`redis_acl`); revoking a device ends its token, its
//! kitchen socket and its Redis user. A device is seen when its kitchen
//! socket opens or is checked, and reports its printer (`POST
//! /devices/status`), so the console can say which screen is down or out
//! of paper.

mod pairing;
mod redis_acl;

pub use pairing::public_router as pairing_router;
pub use redis_acl::keep_users as keep_redis_users;
/// The rules of a device's Redis user, for the kitchen display's tests (`crate::device_acl`).
pub use redis_acl::{new_password, password_hash, setuser_rules};

use axum::extract::State;
use axum::http::StatusCode;
use qrorder_shared::admin::Role;
use qrorder_shared::device::{
    Device, DeviceCreated, DevicePrinter, DeviceRedis, DeviceStatus, NewDevice,
};
use qrorder_shared::{DeviceId, RestaurantId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, bearer, new_token, token_hash};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::infra::db::now_ms;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_devices, register_device))
        .routes(routes!(revoke_device))
        .routes(routes!(report_status))
        .merge(pairing::admin_router())
}

const MANAGE: &str = "manage devices";

/// Station names become Redis consumer-group names: keep them simple.
pub fn validate_station(station: &str) -> ApiResult<String> {
    let s = station.trim();
    if (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        Ok(s.to_owned())
    } else {
        Err(ApiError::invalid(
            "station",
            "must be 1 to 32 of a-z, 0-9, `-` and `_` (e.g. `kitchen`, `bar`)",
        ))
    }
}

#[utoipa::path(get, path = "/devices", tag = "devices", security(("bearer" = [])),
    responses((status = 200, body = Vec<Device>), (status = 403, body = qrorder_shared::ErrorBody)))]
async fn list_devices(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Device>>> {
    caller.require(&[Role::Owner], MANAGE)?;
    let rows = sqlx::query(
        "SELECT id, name, station, revoked, created_at, last_seen_at, printer_state \
         FROM devices WHERE restaurant_id = $1 ORDER BY id",
    )
    .bind(caller.restaurant_id.0)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(Json(rows.iter().map(from_row).collect::<Result<_, _>>()?))
}

/// Register a kitchen device. The answer carries its token, which is stored
/// only hashed and cannot be shown again.
#[utoipa::path(post, path = "/devices", tag = "devices", security(("bearer" = [])), request_body = NewDevice,
    responses((status = 201, body = DeviceCreated), (status = 403, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
async fn register_device(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewDevice>,
) -> ApiResult<(StatusCode, Json<DeviceCreated>)> {
    caller.require(&[Role::Owner], MANAGE)?;
    let name = validate_name(&new.name)?;
    let station = validate_station(&new.station)?;
    let mut tx = state.db.pool.begin().await?;
    let created = create(&state, &mut tx, caller.restaurant_id, &name, &station).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub fn validate_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("name", "must be 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

/// A new device of `restaurant` (inside the caller's transaction): its
/// token and, with `REDIS_DEVICE_ACL`, its Redis user, set in Redis before
/// the caller commits (when Redis cannot be reached, nothing is created).
pub async fn create(
    state: &AppState,
    conn: &mut AnyConnection,
    restaurant: RestaurantId,
    name: &str,
    station: &str,
) -> ApiResult<DeviceCreated> {
    let token = new_token(true);
    let password = state.config.redis_device_acl.then(redis_acl::new_password);
    let hash = password.as_deref().map(redis_acl::password_hash);
    let id: i64 = sqlx::query(
        "INSERT INTO devices (restaurant_id, name, station, token_hash, created_at, redis_password_hash) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(restaurant.0)
    .bind(name)
    .bind(station)
    .bind(token_hash(&token))
    .bind(now_ms())
    .bind(hash.clone())
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")?;
    let id = DeviceId(id);
    if let Some(hash) = &hash {
        redis_acl::set_user(state, id, restaurant, hash)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "cannot create a kitchen device's Redis user");
                ApiError::unavailable(
                    "Redis cannot be reached to create the device's user; try again",
                )
            })?;
    }
    let redis = password.map(|password| DeviceRedis {
        url: state.config.device_redis_url(),
        cluster: state.config.redis_cluster,
        prefix: state.config.redis_prefix.clone(),
        username: Some(state.keys.device_user(id)),
        password: Some(password),
    });
    Ok(DeviceCreated {
        id,
        name: name.to_owned(),
        station: station.to_owned(),
        token,
        redis,
    })
}

/// Revoke a device: its token stops working at once, and its open kitchen
/// socket is closed (1008).
#[utoipa::path(post, path = "/devices/{id}/revoke", tag = "devices", security(("bearer" = [])),
    params(("id" = i64, Path, description = "device id")),
    responses((status = 200, body = Device), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn revoke_device(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Device>> {
    caller.require(&[Role::Owner], MANAGE)?;
    let row = sqlx::query(
        "UPDATE devices SET revoked = 1 WHERE id = $1 AND restaurant_id = $2 \
         RETURNING id, name, station, revoked, created_at, last_seen_at, printer_state",
    )
    .bind(id)
    .bind(caller.restaurant_id.0)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(|| ApiError::not_found("device"))?;
    // Its open kitchen socket closes now, not at its next periodic check.
    state
        .notify()
        .kitchen_access_changed(caller.restaurant_id)
        .await;
    // Its Redis user goes now: its open connections are dropped and it
    // cannot authenticate again. Already revoked in the database, so a
    // failure here is retried by the users' keeper at the next Redis start.
    if state.config.redis_device_acl
        && let Err(e) = redis_acl::remove_user(&state, DeviceId(id)).await
    {
        tracing::warn!(error = %e, device = id, "cannot remove a revoked device's Redis user");
        return Err(ApiError::unavailable(
            "the device is revoked, but Redis could not be reached to remove its user; revoke it again",
        ));
    }
    Ok(Json(from_row(&row)?))
}

/// A device reports its printer (device tokens only); it is seen now.
#[utoipa::path(post, path = "/devices/status", tag = "devices", security(("bearer" = [])), request_body = DeviceStatus,
    responses((status = 204), (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, description = "not a device's token", body = qrorder_shared::ErrorBody)))]
async fn report_status(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Json(status): Json<DeviceStatus>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Device], "report a kitchen device's status")?;
    let token = bearer(&headers).unwrap_or_default();
    sqlx::query("UPDATE devices SET last_seen_at = $1, printer_state = $2 WHERE token_hash = $3")
        .bind(now_ms())
        .bind(status.printer.as_str())
        .bind(token_hash(token))
        .execute(&state.db.pool)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The device of `token` is alive now (its kitchen socket). Best effort:
/// a failure is logged, the socket goes on.
pub async fn seen(state: &AppState, token: &str) {
    let result = sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now_ms())
        .bind(token_hash(token))
        .execute(&state.db.pool)
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not note a kitchen device as seen");
    }
}

fn from_row(row: &AnyRow) -> Result<Device, sqlx::Error> {
    Ok(Device {
        id: DeviceId(row.try_get("id")?),
        name: row.try_get("name")?,
        station: row.try_get("station")?,
        revoked: row.try_get::<i64, _>("revoked")? != 0,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        printer: row
            .try_get::<Option<String>, _>("printer_state")?
            .as_deref()
            .and_then(DevicePrinter::parse),
    })
}
