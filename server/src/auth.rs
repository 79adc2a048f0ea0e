//! Admin authentication: login with email and password (argon2), bearer
//! tokens for sessions and devices, the `Caller` extractor and role checks,
//! and the login rate limit (in Redis, so it holds across instances).

use std::net::SocketAddr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use qrorder_shared::admin::{LoginRequest, LoginResponse, Role};
use qrorder_shared::{RestaurantId, UserId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::infra::db::now_ms;
use crate::infra::redis::count_in_window;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
}

/// Who is calling, resolved from the bearer token. Every admin query is
/// scoped to `restaurant_id`.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub restaurant_id: RestaurantId,
    pub role: Role,
    /// The person behind a session; `None` for a device.
    pub user_id: Option<UserId>,
}

impl Caller {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role], action: &str) -> ApiResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "a {} account cannot {action}",
                self.role.as_str()
            )))
        }
    }

    /// Owners and staff, not devices.
    pub fn require_people(&self, action: &str) -> ApiResult<()> {
        self.require(&[Role::Owner, Role::Staff], action)
    }
}

const SESSION_PREFIX: &str = "qro_s_";
const DEVICE_PREFIX: &str = "qro_d_";

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized("log in and send `Authorization: Bearer <token>`")
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
            })?;
        caller_for_token(state, token).await
    }
}

/// Resolves a session or device token (also used where no header can be
/// sent, such as a browser's WebSocket).
pub async fn caller_for_token(state: &AppState, token: &str) -> ApiResult<Caller> {
    let invalid =
        || ApiError::unauthorized("the token is unknown, expired or revoked; log in again");
    let hash = token_hash(token);
    if token.starts_with(SESSION_PREFIX) {
        let row = sqlx::query(
            "SELECT u.id, u.restaurant_id, u.role FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(&hash)
        .bind(now_ms())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(invalid)?;
        let role = match row.try_get::<String, _>("role")?.as_str() {
            "owner" => Role::Owner,
            _ => Role::Staff,
        };
        Ok(Caller {
            restaurant_id: RestaurantId(row.try_get("restaurant_id")?),
            role,
            user_id: Some(UserId(row.try_get("id")?)),
        })
    } else if token.starts_with(DEVICE_PREFIX) {
        let row =
            sqlx::query("SELECT restaurant_id FROM devices WHERE token_hash = $1 AND revoked = 0")
                .bind(&hash)
                .fetch_optional(&state.db.pool)
                .await?
                .ok_or_else(invalid)?;
        Ok(Caller {
            restaurant_id: RestaurantId(row.try_get("restaurant_id")?),
            role: Role::Device,
            user_id: None,
        })
    } else {
        Err(invalid())
    }
}

/// A new random bearer token (256 bits) with its kind's prefix.
pub fn new_token(device: bool) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let prefix = if device {
        DEVICE_PREFIX
    } else {
        SESSION_PREFIX
    };
    format!("{prefix}{}", hex::encode(bytes))
}

/// Tokens are stored only as their SHA-256 (they are random, so no salt is needed).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The password policy (ASVS 2.1): at least this many characters…
pub const MIN_PASSWORD_CHARS: usize = 12;
/// …at most this many bytes (argon2 hashes whatever it is given; a 60 KB
/// password is work, not security)…
pub const MAX_PASSWORD_BYTES: usize = 128;
/// …at least this many different characters (not twelve spaces)…
const MIN_DISTINCT_CHARS: usize = 4;
/// …and none of the most common passwords (compared without case).
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// Checks a new password against the policy: 422 `weak_password` saying
/// what is wrong, in words. For `create-owner`, new accounts and changes.
pub fn check_password(password: &str) -> ApiResult<()> {
    let weak = |why: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
            format!("password: {why}"),
        )
        .with_details(serde_json::json!({ "field": "password" }))
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(weak(format!(
            "must be at least {MIN_PASSWORD_CHARS} characters; a few words with spaces between them make a good one"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(weak(format!(
            "must be at most {MAX_PASSWORD_BYTES} bytes (UTF-8)"
        )));
    }
    let distinct: std::collections::HashSet<char> = password.chars().collect();
    if distinct.len() < MIN_DISTINCT_CHARS {
        return Err(weak(format!(
            "repeats too few characters; use at least {MIN_DISTINCT_CHARS} different ones"
        )));
    }
    if is_common_password(password) {
        return Err(weak(
            "is one of the most commonly used passwords, which are guessed first; choose another"
                .to_owned(),
        ));
    }
    Ok(())
}

fn is_common_password(password: &str) -> bool {
    let candidate = password.trim().to_lowercase();
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == candidate)
}

/// Argon2id hash in PHC format, of a password that passes `check_password`.
/// Runs off the async threads: it is slow on purpose.
pub async fn hash_password(password: String) -> ApiResult<String> {
    check_password(&password)?;
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

/// `hash: None` (unknown email) verifies against a dummy hash, so that a
/// wrong email takes as long as a wrong password and does not reveal which
/// accounts exist; it never succeeds.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let ok = PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        });
        known && ok
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        SaltString::encode_b64(b"qrorder-dummy-salt")
            .ok()
            .and_then(|salt| {
                Argon2::default()
                    .hash_password(b"no account has this password", &salt)
                    .ok()
                    .map(|h| h.to_string())
            })
            .unwrap_or_default()
    })
}

/// Log in as an owner or staff member. The answer carries a bearer token
/// and is sent with `Cache-Control: no-store`.
#[utoipa::path(post, path = "/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse,
               headers(("Cache-Control" = String, description = "`no-store`: the token must not be cached"))),
              (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, body = qrorder_shared::ErrorBody, description = "`account_disabled`: the password is right but an owner switched the account off"),
              (status = 429, body = qrorder_shared::ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<([(header::HeaderName, HeaderValue); 1], Json<LoginResponse>)> {
    let email = req.email.trim().to_lowercase();
    check_login_rate(&state, &email, &peer).await?;

    let row = sqlx::query(
        "SELECT id, restaurant_id, role, password_hash, disabled_at FROM users WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(&state.db.pool)
    .await?;
    let hash = match &row {
        Some(r) => Some(r.try_get::<String, _>("password_hash")?),
        None => None,
    };
    let ok = verify_password(req.password, hash).await;
    let Some(row) = row.filter(|_| ok) else {
        state.metrics.logins_refused.inc();
        return Err(ApiError::unauthorized("wrong email or password"));
    };
    // Said only to whoever knows the password.
    if row.try_get::<Option<i64>, _>("disabled_at")?.is_some() {
        state.metrics.logins_refused.inc();
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_disabled",
            "this account is switched off; an owner of the restaurant can switch it on again",
        ));
    }

    let token = new_token(false);
    let expires_at =
        now_ms() + i64::try_from(state.config.session_ttl_secs).unwrap_or(i64::MAX / 2) * 1000;
    let user_id: i64 = row.try_get("id")?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(expires_at)
        .execute(&state.db.pool)
        .await?;
    // Expired sessions of this user are of no use to anyone.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
        .bind(user_id)
        .bind(now_ms())
        .execute(&state.db.pool)
        .await?;
    let role = if row.try_get::<String, _>("role")? == "owner" {
        Role::Owner
    } else {
        Role::Staff
    };
    // A bearer token: no cache (browser, proxy) may keep a copy.
    let no_store = [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))];
    Ok((
        no_store,
        Json(LoginResponse {
            token,
            role,
            restaurant_id: RestaurantId(row.try_get("restaurant_id")?),
            expires_at,
        }),
    ))
}

/// End the session of the token sent.
#[utoipa::path(post, path = "/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = qrorder_shared::ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    parts: axum::http::HeaderMap,
) -> ApiResult<StatusCode> {
    if caller.role == Role::Device {
        return Err(ApiError::forbidden(
            "device tokens are revoked through /devices, not logged out",
        ));
    }
    if let Some(token) = bearer(&parts) {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&state.db.pool)
            .await?;
        // A kitchen screen logged in with this session closes now.
        state
            .notify()
            .kitchen_access_changed(caller.restaurant_id)
            .await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Counts every attempt (right or wrong) per email and client address in a
/// fixed window. When Redis is unreachable the limit is not enforced (argon2
/// still makes guessing slow), and a warning is logged: an outage of Redis
/// must not lock the staff out.
async fn check_login_rate(state: &AppState, email: &str, peer: &SocketAddr) -> ApiResult<()> {
    let key = state.keys.login_attempts(email, &peer.ip().to_string());
    let window = state.config.login_window_secs;
    let counted = async {
        let mut conn = state.redis.conn().await?;
        count_in_window(&mut conn, &key, window).await
    }
    .await;
    match counted {
        Ok((attempts, ttl)) if attempts > state.config.login_attempts_per_window => {
            state.metrics.logins_refused.inc();
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "too many login attempts; wait a few minutes and try again",
            );
            e.retry_after_secs = Some(ttl);
            Err(e)
        }
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "login rate limit not enforced: Redis unreachable");
            Ok(())
        }
    }
}
