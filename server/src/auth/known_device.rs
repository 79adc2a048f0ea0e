//! Known devices: a token given with every successful login (256 random
//! bits, stored as its SHA-256 like a session's), which the browser shows at
//! its next login of the same account. It is no credential — the password
//! is still asked — only the key to a login budget of its own
//! (`login_limit`), so that a stranger guessing at an account does not lock
//! out the browsers that logged in to it before. It lives
//! `known_device_ttl_days` after its last login, and an account keeps its
//! `MAX_PER_USER` newest.

use sqlx::Row;

use super::{prefixed_random, token_hash};
use crate::http::error::ApiResult;
use crate::infra::db::{Db, now_ms};

const PREFIX: &str = "qro_k_";
/// Known devices an account keeps (the oldest are forgotten).
const MAX_PER_USER: i64 = 20;

/// A known-device token shown at a login, valid for an account with that
/// login's email.
pub(super) struct KnownDevice {
    pub token: String,
    pub hash: String,
    pub user_id: i64,
    pub restaurant_id: i64,
}

/// The known device `token` names, when it is a live one of an account with
/// `email`; otherwise `None` (the attempt is a stranger's).
pub(super) async fn recognise(
    db: &Db,
    token: Option<&str>,
    email: &str,
) -> ApiResult<Option<KnownDevice>> {
    let Some(token) = token.map(str::trim) else {
        return Ok(None);
    };
    if !token.starts_with(PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    let hash = token_hash(token);
    let row = sqlx::query(
        "SELECT k.user_id, u.restaurant_id FROM known_devices k JOIN users u ON u.id = k.user_id \
         WHERE k.token_hash = $1 AND k.expires_at > $2 AND u.email = $3",
    )
    .bind(&hash)
    .bind(now_ms())
    .bind(email)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some(row) => Some(KnownDevice {
            token: token.to_owned(),
            hash,
            user_id: row.try_get("user_id")?,
            restaurant_id: row.try_get("restaurant_id")?,
        }),
        None => None,
    })
}

/// After a successful login as `user_id`: the token the browser keeps —
/// the one it showed, its life renewed, or a new one.
pub(super) async fn remember(
    db: &Db,
    user_id: i64,
    shown: Option<&KnownDevice>,
    ttl_days: u64,
) -> ApiResult<String> {
    let now = now_ms();
    let ttl_ms = i64::try_from(ttl_days.max(1))
        .unwrap_or(3650)
        .saturating_mul(86_400_000);
    if let Some(known) = shown.filter(|k| k.user_id == user_id) {
        sqlx::query("UPDATE known_devices SET expires_at = $1 WHERE token_hash = $2")
            .bind(now + ttl_ms)
            .bind(&known.hash)
            .execute(&db.pool)
            .await?;
        return Ok(known.token.clone());
    }
    let token = prefixed_random(PREFIX);
    sqlx::query(
        "INSERT INTO known_devices (token_hash, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(now)
    .bind(now + ttl_ms)
    .execute(&db.pool)
    .await?;
    // Expired ones, and beyond the newest `MAX_PER_USER`, are forgotten.
    sqlx::query(
        "DELETE FROM known_devices WHERE user_id = $1 AND (expires_at <= $2 OR token_hash NOT IN \
         (SELECT token_hash FROM known_devices WHERE user_id = $1 \
          ORDER BY created_at DESC, token_hash LIMIT $3))",
    )
    .bind(user_id)
    .bind(now)
    .bind(MAX_PER_USER)
    .execute(&db.pool)
    .await?;
    Ok(token)
}
