//! The demo seed's tables and owner, and what the benchmarks set up
//! through the admin API.

use anyhow::Context;
use serde_json::{Value, json};

/// The table tokens of a `seed-demo --json` answer.
pub fn seed_tokens(seed: &Value) -> Vec<String> {
    seed["tables"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t["token"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A client signed in as the seed's owner, and its bearer token.
pub(crate) async fn owner(base: &str, seed: &Value) -> anyhow::Result<(reqwest::Client, String)> {
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/v1/admin/login"))
        .json(&json!({ "email": seed["owner"]["email"], "password": seed["owner"]["password"] }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = login["token"].as_str().context("no token")?.to_owned();
    Ok((client, token))
}

/// Raises the restaurant's order limits to the most its settings allow,
/// as the owner of a food court would: the benchmark measures the order
/// path, not the limits (which still run on every order).
pub async fn open_order_limits(base: &str, seed: &Value) -> anyhow::Result<()> {
    let base = base.trim_end_matches('/');
    let (client, token) = owner(base, seed).await?;
    let most = 10_000;
    client
        .patch(format!("{base}/api/v1/admin/restaurant"))
        .bearer_auth(&token)
        .json(&json!({ "order_limits": {
            "visit_burst": most, "visit_per_minute": most,
            "client_burst": most, "client_per_minute": most } }))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

/// Table tokens for `n` tables: the seed's, then `Bench N` tables created
/// through the admin API as the seed's owner.
pub async fn table_tokens(base: &str, seed: &Value, n: usize) -> anyhow::Result<Vec<String>> {
    let base = base.trim_end_matches('/');
    let mut tokens = seed_tokens(seed);
    if tokens.len() >= n {
        tokens.truncate(n);
        return Ok(tokens);
    }
    let (client, token) = owner(base, seed).await?;
    let existing: Vec<Value> = client
        .get(format!("{base}/api/v1/admin/tables"))
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    tokens = existing
        .iter()
        .filter_map(|t| t["token"].as_str().map(str::to_owned))
        .collect();
    let mut i = existing.len();
    while tokens.len() < n {
        i += 1;
        let created: Value = client
            .post(format!("{base}/api/v1/admin/tables"))
            .bearer_auth(&token)
            .json(&json!({ "name": format!("Bench {i}") }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        tokens.push(created["token"].as_str().context("no token")?.to_owned());
    }
    tokens.truncate(n);
    Ok(tokens)
}
