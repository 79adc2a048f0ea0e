//! The login limits (ASVS 2.2.1): token buckets in Redis
//! (`infra::ratelimit`), taken before the password is checked and given
//! back when it was right, so that only failures use them up.
//!
//! A stranger's attempt (no known-device token) takes from three buckets at
//! once, or from none: the account and client address together (the old
//! limit: one person mistyping), the account from anywhere (many addresses
//! guessing one password; refills slowly), and the client address at any
//! account (one address trying many accounts). An attempt with a
//! known-device token of the account takes only from that device's bucket:
//! whatever strangers do to the account, its owner's browser still logs in.
//!
//! Redis unreachable: not enforced, a warning logged (argon2 still makes
//! guessing slow; an outage must not lock the staff out).

use std::net::IpAddr;

use axum::http::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::http::error::{ApiError, ApiResult};
use crate::infra::ratelimit::{self, Bucket, address_key};
use crate::state::AppState;

/// The buckets one login attempt takes from.
pub(super) struct Budget {
    buckets: Vec<Bucket>,
    /// What each bucket limits, for `details.limit` of the 429.
    names: Vec<&'static str>,
}

/// An email as the limits name it: a digest, so that any input makes a
/// short key (and no hash tag of its own).
fn account_key(email: &str) -> String {
    hex::encode(&Sha256::digest(email.as_bytes())[..16])
}

impl Budget {
    /// An attempt without a known-device token of the account.
    pub(super) fn stranger(state: &AppState, email: &str, client: IpAddr) -> Self {
        let c = &state.config;
        let account = account_key(email);
        let client = address_key(client);
        let attempts = c.login_attempts_per_window.max(1);
        Self {
            buckets: vec![
                Bucket::every_secs(
                    state.keys.login_rate_pair(&account, &client),
                    attempts,
                    (c.login_window_secs / u64::from(attempts)).max(1),
                ),
                Bucket::every_secs(
                    state.keys.login_rate_account(&account),
                    c.login_account_attempts,
                    c.login_account_refill_secs,
                ),
                Bucket::every_secs(
                    state.keys.login_rate_client(&client),
                    c.login_client_attempts,
                    c.login_client_refill_secs,
                ),
            ],
            names: vec!["account_and_client", "account", "client"],
        }
    }

    /// An attempt with a known-device token (`device`: its digest).
    pub(super) fn known_device(state: &AppState, device: &str) -> Self {
        let c = &state.config;
        Self {
            buckets: vec![Bucket::every_secs(
                state.keys.login_rate_device(device),
                c.login_device_attempts,
                c.login_device_refill_secs,
            )],
            names: vec!["device"],
        }
    }

    /// One attempt from every bucket, or 429 `too_many_attempts` (with
    /// `Retry-After` and `details.limit`) and none taken.
    pub(super) async fn take(&self, state: &AppState) -> ApiResult<()> {
        let taken = async {
            let mut conn = state.redis.conn().await?;
            ratelimit::take(&mut conn, &self.buckets, None).await
        }
        .await;
        match taken {
            Ok(None) => Ok(()),
            Ok(Some(refused)) => {
                state.metrics.logins_refused.inc();
                let limit = self.names.get(refused.bucket).copied().unwrap_or("account");
                let message = if limit == "account" {
                    "this account has had too many wrong sign-in attempts; wait a few minutes \
                     (a browser that signed in to it before is not kept waiting)"
                } else {
                    "too many login attempts; wait a few minutes and try again"
                };
                let mut e =
                    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
                        .with_details(json!({ "limit": limit }));
                e.retry_after_secs = Some(refused.retry_after_secs);
                Err(e)
            }
            Err(e) => {
                tracing::warn!(error = %e, "login rate limit not enforced: Redis unreachable");
                Ok(())
            }
        }
    }

    /// The password was right: the attempt is given back.
    pub(super) async fn give_back(&self, state: &AppState) {
        let given = async {
            let mut conn = state.redis.conn().await?;
            ratelimit::give_back(&mut conn, &self.buckets).await
        }
        .await;
        if let Err(e) = given {
            tracing::warn!(error = %e, "login attempt not given back: Redis unreachable");
        }
    }
}
