//! Admin authentication: bearer tokens for sessions and devices, the
//! `Caller` extractor and role checks, the password policy and argon2;
//! `login.rs` the login itself, `login_limit.rs` its limits (token buckets
//! in Redis, so they hold across instances), `known_device.rs` the token
//! that gives a browser that logged in before a budget of its own.

mod known_device;
mod login;
mod login_limit;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use qrorder_shared::admin::Role;
use qrorder_shared::{RestaurantId, UserId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::{ApiError, ApiResult};
use crate::infra::db::now_ms;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login::login))
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
    let prefix = if device {
        DEVICE_PREFIX
    } else {
        SESSION_PREFIX
    };
    prefixed_random(prefix)
}

/// `prefix` and 256 random bits in hex.
fn prefixed_random(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
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
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

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
