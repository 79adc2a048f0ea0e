//! Pairing a kitchen display with a one-time code instead of copying a
//! token by hand: an owner asks for a code (`POST
//! /admin/devices/pairing-codes`), types it on the display (`kds pair`),
//! and the display's `POST /devices/pair` gets everything it needs to run.
//!
//! A code is 8 digits (a numeric keypad is enough), valid 10 minutes and
//! once, stored only as its SHA-256. Guessing is hopeless: every attempt
//! costs a token of its client address's bucket, and every wrong code
//! costs one of each restaurant's bucket that has a code open (it is a
//! guess at each of them); a restaurant whose bucket runs dry has its open
//! codes voided, so a distributed guesser gains nothing but a new code to
//! make. Refusals are 429 with `Retry-After`; a wrong, used or expired code
//! gets one answer (404), so a guesser learns nothing from which.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use qrorder_shared::RestaurantId;
use qrorder_shared::admin::Role;
use qrorder_shared::device::{DeviceRedis, NewPairingCode, PairRequest, PairedDevice, PairingCode};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::infra::db::now_ms;
use crate::infra::ratelimit::{self, Bucket, address_key};
use crate::state::AppState;

/// How long a code is valid.
pub const CODE_TTL: Duration = Duration::from_secs(600);
const CODE_DIGITS: usize = 8;

/// Under `/api/v1/admin`: owners make codes.
pub fn admin_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_code))
}

/// Under `/api/v1`: displays pair, without a token.
pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(pair))
}

fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// The code as typed, without the spaces or dashes a person may put in it.
pub fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

fn new_code() -> String {
    let n: u32 = rand::rng().random_range(0..100_000_000);
    format!("{n:0width$}", width = CODE_DIGITS)
}

/// A one-time code that pairs a new kitchen display as device `name` of
/// `station`. Shown once (stored hashed); valid 10 minutes. Owners only,
/// like registering a device.
#[utoipa::path(post, path = "/devices/pairing-codes", tag = "devices", security(("bearer" = [])),
    request_body = NewPairingCode,
    responses((status = 201, body = PairingCode,
               headers(("Cache-Control" = String, description = "`no-store`"))),
              (status = 403, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
async fn create_code(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewPairingCode>,
) -> ApiResult<(
    StatusCode,
    [(header::HeaderName, HeaderValue); 1],
    Json<PairingCode>,
)> {
    caller.require(&[Role::Owner], super::MANAGE)?;
    let name = super::validate_name(&new.name)?;
    let station = super::validate_station(&new.station)?;
    let now = now_ms();
    let ttl_ms = i64::try_from(CODE_TTL.as_millis()).unwrap_or(i64::MAX);
    // Codes a day past their end are of no use to anyone.
    sqlx::query("DELETE FROM device_pairing_codes WHERE expires_at < $1")
        .bind(now - 24 * 3600 * 1000)
        .execute(&state.db.pool)
        .await?;
    // A code equal to one still stored is drawn again (1 in 10^8 a try).
    for _ in 0..5 {
        let code = new_code();
        let inserted = sqlx::query(
            "INSERT INTO device_pairing_codes \
             (restaurant_id, name, station, code_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code_hash) DO NOTHING",
        )
        .bind(caller.restaurant_id.0)
        .bind(&name)
        .bind(&station)
        .bind(code_hash(&code))
        .bind(caller.user_id.map(|u| u.0))
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&state.db.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok((
                StatusCode::CREATED,
                [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
                Json(PairingCode {
                    code,
                    expires_at: now + ttl_ms,
                    expires_in_secs: CODE_TTL.as_secs(),
                    name,
                    station,
                }),
            ));
        }
    }
    Err(ApiError::internal("no free pairing code in 5 draws"))
}

/// Pair a kitchen display: the one-time code from the console in, the
/// device's token, its Redis access and where to reach the server out.
/// No token needed; rate-limited per client address and per restaurant.
#[utoipa::path(post, path = "/devices/pair", tag = "devices", request_body = PairRequest,
    responses((status = 201, body = PairedDevice,
               headers(("Cache-Control" = String, description = "`no-store`: the answer holds secrets"))),
              (status = 404, description = "wrong, used or expired code", body = qrorder_shared::ErrorBody),
              (status = 429, body = qrorder_shared::ErrorBody,
               headers(("Retry-After" = u64, description = "seconds"))),
              (status = 503, body = qrorder_shared::ErrorBody)))]
async fn pair(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<PairRequest>,
) -> ApiResult<(
    StatusCode,
    [(header::HeaderName, HeaderValue); 1],
    Json<PairedDevice>,
)> {
    check_client_rate(&state, peer).await?;
    let code = normalize(&req.code);
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    // Taken in one statement: two displays sending the same code at once
    // cannot both get it.
    let found = sqlx::query(
        "UPDATE device_pairing_codes SET used_at = $1 \
         WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1 \
         RETURNING id, restaurant_id, name, station",
    )
    .bind(now)
    .bind(code_hash(&code))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = found else {
        drop(tx);
        return Err(wrong_code(&state, now).await);
    };
    let restaurant = RestaurantId(row.try_get("restaurant_id")?);
    let name: String = row.try_get("name")?;
    let station: String = row.try_get("station")?;
    let created = super::create(&state, &mut tx, restaurant, &name, &station).await?;
    sqlx::query("UPDATE device_pairing_codes SET device_id = $1 WHERE id = $2")
        .bind(created.id.0)
        .bind(row.try_get::<i64, _>("id")?)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(device = created.id.0, restaurant = restaurant.0, station = %station, "kitchen display paired");

    let api_url = api_url(&state, &headers);
    let redis = created.redis.unwrap_or_else(|| DeviceRedis {
        url: state.config.device_redis_url(),
        cluster: state.config.redis_cluster,
        prefix: state.config.redis_prefix.clone(),
        username: None,
        password: None,
    });
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(PairedDevice {
            id: created.id,
            name: created.name,
            token: created.token,
            restaurant_id: restaurant,
            station: created.station,
            consumer: format!("device-{}", created.id.0),
            ws_url: ws_url(&api_url),
            api_url,
            redis,
        }),
    ))
}

/// Where the display reaches the server: `PUBLIC_BASE_URL` when set, else
/// the host it just reached (its own `Host` header).
fn api_url(state: &AppState, headers: &HeaderMap) -> String {
    if state.config.public_base_url.is_some() {
        return state.public_base_url();
    }
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) if !host.is_empty() => format!("http://{host}"),
        _ => state.public_base_url(),
    }
}

/// The WebSocket role's base: the API's (`/ws/` is routed on the same host).
fn ws_url(api_url: &str) -> String {
    if let Some(rest) = api_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = api_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        api_url.to_owned()
    }
}

fn too_many(retry_after_secs: u64, limit: &str, message: String) -> ApiError {
    let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
        .with_details(serde_json::json!({ "limit": limit }));
    e.retry_after_secs = Some(retry_after_secs);
    e
}

/// `per_window` tokens, all back within a code's lifetime.
fn bucket(key: String, per_window: u32) -> Bucket {
    let burst = per_window.max(1);
    Bucket {
        key,
        burst,
        refill: CODE_TTL / burst,
    }
}

/// Every attempt, right or wrong, costs its client address a token. Unlike
/// the order limits this one fails closed: without Redis nothing is counted,
/// so nothing is tried.
async fn check_client_rate(state: &AppState, peer: SocketAddr) -> ApiResult<()> {
    let b = bucket(
        state.keys.pairing_rate_client(&address_key(peer.ip())),
        state.config.pairing_attempts_per_client,
    );
    let mut conn = state.redis.conn().await.map_err(redis_down)?;
    match ratelimit::take(&mut conn, &[b], None)
        .await
        .map_err(redis_down)?
    {
        None => Ok(()),
        Some(refused) => Err(too_many(
            refused.retry_after_secs,
            "client",
            format!(
                "too many pairing attempts from this address; wait {} s and try again",
                refused.retry_after_secs
            ),
        )),
    }
}

fn redis_down(e: redis::RedisError) -> ApiError {
    tracing::warn!(error = %e, "pairing refused: Redis unreachable for its rate limit");
    ApiError::unavailable("pairing is unavailable for a moment (Redis); try again")
}

/// A wrong (or used, or expired) code: a guess at every code open now, so
/// it costs each restaurant that has one a token; a restaurant out of
/// tokens has its open codes voided. 404, or 429 once a restaurant's
/// bucket ran dry.
async fn wrong_code(state: &AppState, now: i64) -> ApiError {
    let not_found = ApiError::new(
        StatusCode::NOT_FOUND,
        "pairing_code_invalid",
        "this pairing code is wrong, used or expired; make a new one on the console's Devices page",
    );
    let open = sqlx::query(
        "SELECT DISTINCT restaurant_id FROM device_pairing_codes \
         WHERE used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .fetch_all(&state.db.pool)
    .await;
    let open: Vec<i64> = match open {
        Ok(rows) => rows
            .iter()
            .filter_map(|r| r.try_get("restaurant_id").ok())
            .collect(),
        Err(e) => return e.into(),
    };
    let mut conn = match state.redis.conn().await {
        Ok(c) => c,
        Err(e) => return redis_down(e),
    };
    let mut refused_for = None;
    for restaurant in open {
        let b = bucket(
            state.keys.pairing_rate_restaurant(RestaurantId(restaurant)),
            state.config.pairing_attempts_per_restaurant,
        );
        match ratelimit::take(&mut conn, &[b], None).await {
            Ok(None) => {}
            Ok(Some(refused)) => {
                let voided = sqlx::query(
                    "UPDATE device_pairing_codes SET used_at = $1 \
                     WHERE restaurant_id = $2 AND used_at IS NULL AND expires_at > $1",
                )
                .bind(now)
                .bind(restaurant)
                .execute(&state.db.pool)
                .await;
                tracing::warn!(
                    restaurant,
                    voided = voided.map(|r| r.rows_affected()).unwrap_or(0),
                    "too many wrong pairing codes while this restaurant had one open: its open codes are void"
                );
                refused_for = Some(refused.retry_after_secs);
            }
            Err(e) => return redis_down(e),
        }
    }
    match refused_for {
        Some(secs) => too_many(
            secs,
            "restaurant",
            "too many wrong pairing codes have been tried; the open codes are void — make a new one on the console"
                .to_owned(),
        ),
        None => not_found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_digits_and_typing_spaces_or_dashes_does_not_matter() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 8);
            assert!(c.bytes().all(|b| b.is_ascii_digit()), "{c}");
        }
        assert_eq!(normalize(" 1234-5678 "), "12345678");
    }

    #[test]
    fn the_socket_follows_the_api_scheme() {
        assert_eq!(ws_url("https://pos.example"), "wss://pos.example");
        assert_eq!(ws_url("http://10.0.0.2:8080"), "ws://10.0.0.2:8080");
    }
}
