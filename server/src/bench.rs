//! `qrorder bench orders`: a load generator for order submission. Keeps
//! `concurrency` diners ordering for `duration` against a running server
//! and reports accepted orders per second and latency percentiles.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Serialize)]
pub struct OrdersReport {
    pub concurrency: usize,
    pub seconds: f64,
    pub accepted: u64,
    pub refused: u64,
    pub orders_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Orders unlimited items (the first two of the menu without stock) on the
/// given tables, round robin, each with a fresh Idempotency-Key.
pub async fn orders(
    base: &str,
    table_tokens: &[String],
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<OrdersReport> {
    anyhow::ensure!(!table_tokens.is_empty(), "no tables to order at");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let base = base.trim_end_matches('/').to_owned();
    let mut bodies = Vec::new();
    for token in table_tokens {
        let info: Value = client
            .get(format!("{base}/api/v1/tables/{token}"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let menu: Value = client
            .get(format!("{base}/api/v1/tables/{token}/menu"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let items: Vec<Value> = menu["categories"]
            .as_array()
            .context("menu without categories")?
            .iter()
            .flat_map(|c| c["items"].as_array().cloned().unwrap_or_default())
            .filter(|i| {
                i["remaining"].is_null()
                    && i["available"] == true
                    && i["option_groups"].as_array().is_none_or(Vec::is_empty)
            })
            .take(2)
            .map(|i| json!({ "menu_item_id": i["id"], "menu_version": i["version"], "qty": 1 }))
            .collect();
        if items.is_empty() {
            bail!("the menu has no unlimited item without options to order");
        }
        bodies.push((
            token.clone(),
            json!({ "visit_id": info["visit_id"], "items": items }),
        ));
    }
    let bodies = Arc::new(bodies);
    let accepted = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let run = format!(
        "{:x}",
        started.elapsed().as_nanos() ^ u128::from(std::process::id())
    );
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (client, base, bodies, accepted, refused, run) = (
            client.clone(),
            base.clone(),
            bodies.clone(),
            accepted.clone(),
            refused.clone(),
            run.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0usize;
            while Instant::now() < deadline {
                let (token, body) = &bodies[(w + n) % bodies.len()];
                let t = Instant::now();
                let res = client
                    .post(format!("{base}/api/v1/tables/{token}/orders"))
                    .header("idempotency-key", format!("bench-{run}-{w}-{n}"))
                    .json(body)
                    .send()
                    .await;
                latencies.push(t.elapsed());
                match res {
                    Ok(r) if r.status().as_u16() == 201 => accepted.fetch_add(1, Ordering::Relaxed),
                    _ => refused.fetch_add(1, Ordering::Relaxed),
                };
                n += 1;
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await?);
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let accepted = accepted.load(Ordering::Relaxed);
    Ok(OrdersReport {
        concurrency,
        seconds,
        accepted,
        refused: refused.load(Ordering::Relaxed),
        orders_per_second: accepted as f64 / seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
    })
}
