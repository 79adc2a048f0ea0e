//! Each kitchen device's own Redis ACL user (`REDIS_DEVICE_ACL=true`):
//! allowed only the commands the display sends (`kds-device/src/redis_io.rs`)
//! on only its restaurant's kitchen stream, plus XADD to that stream's
//! dead letters. It cannot add orders, read another restaurant's keys, run
//! KEYS, FLUSHALL, CONFIG, ACL, DEBUG or scripts, or use Pub/Sub.
//!
//! Redis keeps ACL users in memory only (no ACL file is assumed), so the
//! database is the record: the server sets every unrevoked device's user
//! at start and again whenever Redis restarts (its `run_id` changes). The
//! password is kept only as the SHA-256 Redis' `#<hash>` rule takes.

use std::time::Duration;

use qrorder_shared::{DeviceId, RestaurantId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::sync::watch;

use crate::infra::keys::Keys;
use crate::state::AppState;

/// What the display does on the kitchen stream: join its station's group,
/// read, claim from dead consumers, look at deliveries, acknowledge; PING
/// for its Redis watch. (AUTH and HELLO are open to every user.)
const STREAM_COMMANDS: &[&str] = &[
    "+ping",
    "+xgroup|create",
    "+xgroup|createconsumer",
    "+xreadgroup",
    "+xautoclaim",
    "+xclaim",
    "+xpending",
    "+xack",
];

/// A new random password for a device's Redis user (256 bits, hex).
pub fn new_password() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The SHA-256 of `password`, in hex: what is stored, and what `#<hash>` takes.
pub fn password_hash(password: &str) -> String {
    hex::encode(Sha256::digest(password.as_bytes()))
}

/// `key` as a Redis glob pattern that matches only itself.
fn literal_pattern(key: &str) -> String {
    let mut p = String::with_capacity(key.len());
    for c in key.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p
}

/// The arguments of `ACL SETUSER` (after the user's name) for a device of
/// `restaurant` whose password hashes to `hash`. `reset` first: whatever
/// the user had before is gone.
pub fn setuser_rules(keys: &Keys, restaurant: RestaurantId, hash: &str) -> Vec<String> {
    let stream = literal_pattern(&keys.orders_stream(restaurant));
    let dead = literal_pattern(&keys.orders_dead_letter(restaurant));
    let mut rules: Vec<String> = ["reset", "on", "resetchannels", "-@all"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    rules.push(format!("#{hash}"));
    rules.extend(STREAM_COMMANDS.iter().map(|c| (*c).to_owned()));
    rules.push(format!("~{stream}"));
    // A selector: XADD is allowed on the dead-letter stream only, so the
    // device cannot forge an order into its own kitchen stream.
    rules.push(format!("(+xadd ~{dead})"));
    rules
}

/// Creates (or resets) the ACL user of `device`.
pub async fn set_user(
    state: &AppState,
    device: DeviceId,
    restaurant: RestaurantId,
    hash: &str,
) -> redis::RedisResult<()> {
    let mut conn = state.redis.conn().await?;
    let mut cmd = redis::cmd("ACL");
    cmd.arg("SETUSER").arg(state.keys.device_user(device));
    for rule in setuser_rules(&state.keys, restaurant, hash) {
        cmd.arg(rule);
    }
    cmd.query_async::<()>(&mut conn).await
}

/// Ends `device`'s Redis access at once: its user loses every right and
/// password (a command on an open connection is refused from now), its
/// connections are killed, then the user is deleted.
pub async fn remove_user(state: &AppState, device: DeviceId) -> redis::RedisResult<()> {
    let user = state.keys.device_user(device);
    let mut conn = state.redis.conn().await?;
    redis::cmd("ACL")
        .arg("SETUSER")
        .arg(&user)
        .arg("reset")
        .query_async::<()>(&mut conn)
        .await?;
    redis::cmd("CLIENT")
        .arg("KILL")
        .arg("USER")
        .arg(&user)
        .query_async::<i64>(&mut conn)
        .await?;
    redis::cmd("ACL")
        .arg("DELUSER")
        .arg(&user)
        .query_async::<i64>(&mut conn)
        .await
        .map(drop)
}

/// Sets the user of every unrevoked device that has a Redis password, and
/// removes the users of revoked ones (a revocation that could not reach
/// Redis). Returns how many users were set.
pub async fn apply_all(state: &AppState) -> anyhow::Result<usize> {
    let rows = sqlx::query(
        "SELECT id, restaurant_id, revoked, redis_password_hash FROM devices \
         WHERE redis_password_hash IS NOT NULL ORDER BY id",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let mut set = 0;
    for row in rows {
        let device = DeviceId(row.try_get("id")?);
        if row.try_get::<i64, _>("revoked")? != 0 {
            remove_user(state, device).await.or_else(no_such_user)?;
            continue;
        }
        let hash: String = row.try_get("redis_password_hash")?;
        set_user(
            state,
            device,
            RestaurantId(row.try_get("restaurant_id")?),
            &hash,
        )
        .await?;
        set += 1;
    }
    Ok(set)
}

/// A user already gone is what removing it wanted.
fn no_such_user(e: redis::RedisError) -> redis::RedisResult<()> {
    if e.to_string().contains("No such user") {
        Ok(())
    } else {
        Err(e)
    }
}

/// Redis' `run_id`: new at every start of the Redis server.
async fn run_id(state: &AppState) -> redis::RedisResult<String> {
    let mut conn = state.redis.conn().await?;
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut conn)
        .await?;
    Ok(info
        .lines()
        .find_map(|l| l.strip_prefix("run_id:"))
        .unwrap_or_default()
        .trim()
        .to_owned())
}

/// The background loop: the devices' users are set at start and again
/// within `every` of a Redis restart (a new `run_id`: Redis forgot them).
pub async fn keep_users(state: AppState, every: Duration, mut stopped: watch::Receiver<bool>) {
    let mut applied_to: Option<String> = None;
    loop {
        match run_id(&state).await {
            Ok(id) if applied_to.as_deref() != Some(id.as_str()) => match apply_all(&state).await {
                Ok(n) => {
                    tracing::info!(users = n, "kitchen devices' Redis users set");
                    applied_to = Some(id);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot set the kitchen devices' Redis users")
                }
            },
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "Redis unreachable; devices' users wait"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_user_may_touch_only_its_restaurants_stream_and_add_only_dead_letters() {
        let keys = Keys::new("q*x");
        let rules = setuser_rules(&keys, RestaurantId(7), "ab");
        assert_eq!(&rules[..4], ["reset", "on", "resetchannels", "-@all"]);
        assert!(rules.contains(&"#ab".to_owned()));
        // The prefix's `*` is escaped: the pattern names the one stream.
        let stream = keys.orders_stream(RestaurantId(7)).replace('*', r"\*");
        assert!(stream.starts_with(r"q\*x"), "{stream}");
        assert!(rules.contains(&format!("~{stream}")), "{rules:?}");
        let dead = keys.orders_dead_letter(RestaurantId(7)).replace('*', r"\*");
        assert_eq!(
            rules.last().map(String::as_str),
            Some(format!("(+xadd ~{dead})").as_str())
        );
        assert!(
            !rules
                .iter()
                .any(|r| r == "+xadd" || r.contains("@all") && r != "-@all")
        );
    }

    #[test]
    fn the_stored_hash_is_what_redis_compares() {
        // `#<hash>` takes the SHA-256 of the password in lowercase hex.
        assert_eq!(
            password_hash("devpw"),
            "2502bd6180a33908e24d89ef8300d8f174b067fc42223d27fad67d95db74a81d"
        );
        assert_eq!(new_password().len(), 64);
    }
}
