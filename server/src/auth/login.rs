//! `POST /login`: email and password → a session token.
//!
//! An email is unique within a restaurant, not across them (so that one
//! restaurant cannot learn another's accounts by trying to add them), so a
//! login is checked against every account with the email — all verified,
//! at once, whichever matches — unless `restaurant_id` (or a known-device
//! token) names the one. A password that opens accounts at several
//! restaurants gets 409 `restaurant_required` listing them.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use qrorder_shared::RestaurantId;
use qrorder_shared::admin::{LoginRequest, LoginResponse, Role};
use serde_json::json;
use sqlx::Row;

use super::known_device;
use super::login_limit::Budget;
use super::{new_token, token_hash, verify_password};
use crate::http::client::client_ip;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::infra::db::{Db, now_ms};
use crate::state::AppState;

/// Accounts one email may have (at different restaurants) that a login
/// looks at.
const MAX_ACCOUNTS_PER_EMAIL: i64 = 10;

struct Account {
    id: i64,
    restaurant_id: i64,
    restaurant_name: String,
    role: String,
    password_hash: String,
    /// Switched off by an owner.
    disabled: bool,
}

/// Log in as an owner or staff member. The answer carries a bearer token
/// and a `device_token` to send with the next login from this browser (its
/// own attempt budget), and is sent with `Cache-Control: no-store`.
#[utoipa::path(post, path = "/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse,
               headers(("Cache-Control" = String, description = "`no-store`: the token must not be cached"))),
              (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, body = qrorder_shared::ErrorBody,
               description = "`account_disabled`: the password is right but an owner switched the account off"),
              (status = 409, body = qrorder_shared::ErrorBody,
               description = "`restaurant_required`: the email and password open accounts at several restaurants (`details.restaurants`); send `restaurant_id`"),
              (status = 429, body = qrorder_shared::ErrorBody,
               description = "`too_many_attempts`, with `Retry-After` and `details.limit` (`account_and_client`, `account`, `client` or `device`)")))]
pub(super) async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<([(header::HeaderName, HeaderValue); 1], Json<LoginResponse>)> {
    let email = req.email.trim().to_lowercase();
    let device = known_device::recognise(&state.db, req.device_token.as_deref(), &email)
        .await?
        .filter(|d| req.restaurant_id.is_none_or(|r| r.0 == d.restaurant_id));
    let budget = match &device {
        Some(d) => Budget::known_device(&state, &d.hash),
        None => {
            // Through the deployment's proxies; a proxy that names no
            // client counts as itself.
            let trusted = state.config.trusted_proxy_networks().unwrap_or_default();
            let client = client_ip(peer, &headers, &trusted).unwrap_or(peer.ip().to_canonical());
            Budget::stranger(&state, &email, client)
        }
    };
    budget.take(&state).await?;

    let restaurant = device
        .as_ref()
        .map(|d| d.restaurant_id)
        .or(req.restaurant_id.map(|r| r.0));
    let accounts = accounts(&state.db, &email, restaurant).await?;
    let (matched, disabled): (Vec<_>, Vec<_>) = matching(req.password, accounts)
        .await
        .into_iter()
        .partition(|a| !a.disabled);
    if matched.is_empty() && !disabled.is_empty() {
        // Said only to whoever knows the password: not a guess.
        budget.give_back(&state).await;
        state.metrics.logins_refused.inc();
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_disabled",
            "this account is switched off; an owner of the restaurant can switch it on again",
        ));
    }
    let account = match matched.as_slice() {
        [] => {
            state.metrics.logins_refused.inc();
            return Err(ApiError::unauthorized("wrong email or password"));
        }
        [one] => one,
        several => {
            budget.give_back(&state).await;
            let restaurants: Vec<_> = several
                .iter()
                .map(|a| json!({ "id": a.restaurant_id, "name": a.restaurant_name }))
                .collect();
            return Err(ApiError::conflict(
                "restaurant_required",
                "this email and password open accounts at several restaurants; choose one",
            )
            .with_details(json!({ "restaurants": restaurants })));
        }
    };
    budget.give_back(&state).await;

    let token = new_token(false);
    let expires_at =
        now_ms() + i64::try_from(state.config.session_ttl_secs).unwrap_or(i64::MAX / 2) * 1000;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash(&token))
        .bind(account.id)
        .bind(expires_at)
        .execute(&state.db.pool)
        .await?;
    // Expired sessions of this user are of no use to anyone.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
        .bind(account.id)
        .bind(now_ms())
        .execute(&state.db.pool)
        .await?;
    let device_token = known_device::remember(
        &state.db,
        account.id,
        device.as_ref(),
        state.config.known_device_ttl_days,
    )
    .await?;
    let role = if account.role == "owner" {
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
            restaurant_id: RestaurantId(account.restaurant_id),
            expires_at,
            device_token,
        }),
    ))
}

/// The accounts with `email` (at `restaurant` only, when given).
async fn accounts(db: &Db, email: &str, restaurant: Option<i64>) -> ApiResult<Vec<Account>> {
    let sql = format!(
        "SELECT u.id, u.restaurant_id, r.name, u.role, u.password_hash, u.disabled_at \
         FROM users u JOIN restaurants r ON r.id = u.restaurant_id \
         WHERE u.email = $1 {} ORDER BY u.id LIMIT {MAX_ACCOUNTS_PER_EMAIL}",
        if restaurant.is_some() {
            "AND u.restaurant_id = $2"
        } else {
            ""
        }
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(email);
    if let Some(r) = restaurant {
        query = query.bind(r);
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.iter()
        .map(|row| {
            Ok(Account {
                id: row.try_get("id")?,
                restaurant_id: row.try_get("restaurant_id")?,
                restaurant_name: row.try_get("name")?,
                role: row.try_get("role")?,
                password_hash: row.try_get("password_hash")?,
                disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The accounts `password` opens. Every hash is verified, side by side
/// (none at all: a dummy one, so that an unknown email takes as long).
async fn matching(password: String, accounts: Vec<Account>) -> Vec<Account> {
    if accounts.is_empty() {
        verify_password(password, None).await;
        return Vec::new();
    }
    let checks = accounts
        .iter()
        .map(|a| verify_password(password.clone(), Some(a.password_hash.clone())));
    let verdicts = futures::future::join_all(checks).await;
    accounts
        .into_iter()
        .zip(verdicts)
        .filter_map(|(a, ok)| ok.then_some(a))
        .collect()
}
