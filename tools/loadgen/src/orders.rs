//! Diners ordering: accepted orders per second and latency.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::{Value, json};

use crate::drive::{drive, http_client, percentile, phone};
use crate::kitchen::{Kitchen, KitchenConsumer, KitchenReport};

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
    /// Order accepted (its 201 read) → its entry read by a kitchen-like
    /// consumer (XREADGROUP BLOCK on the restaurant's stream), when asked.
    pub kitchen: Option<KitchenReport>,
}

/// Orders unlimited items (the first two of the menu without stock) on the
/// given tables, round robin, each with a fresh Idempotency-Key. Each
/// worker is a diner's phone with an address of its own (127.0.0.2, .3, …:
/// the server must listen on loopback), as under the restaurant's limits
/// per client address a whole benchmark from one address would be. With
/// `kitchen`, a consumer reads the restaurant's stream meanwhile and times
/// each accepted order to its entry.
pub async fn orders(
    base: &str,
    table_tokens: &[String],
    concurrency: usize,
    duration: Duration,
    kitchen: Option<Kitchen>,
) -> anyhow::Result<OrdersReport> {
    anyhow::ensure!(!table_tokens.is_empty(), "no tables to order at");
    let client = http_client(concurrency)?;
    let base = base.trim_end_matches('/').to_owned();
    let mut bodies = Vec::new();
    for token in table_tokens {
        let get = |url: String| async {
            let value: Value = client
                .get(url)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            anyhow::Ok(value)
        };
        let info = get(format!("{base}/api/v1/tables/{token}")).await?;
        let menu = get(format!("{base}/api/v1/tables/{token}/menu")).await?;
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
            format!("{base}/api/v1/tables/{token}/orders"),
            json!({ "visit_id": info["visit_id"], "items": items }),
        ));
    }
    let consumer = match kitchen {
        Some(k) => Some(KitchenConsumer::start(k, duration).await?),
        None => None,
    };
    // When each accepted order's 201 was read, by order id.
    let accepted_at: Arc<std::sync::Mutex<HashMap<i64, Instant>>> = Arc::default();
    let timing = consumer.is_some();
    let bodies = Arc::new(bodies);
    let phones: Vec<reqwest::Client> = (0..concurrency)
        .map(|w| phone(w, concurrency))
        .collect::<anyhow::Result<_>>()?;
    let phones = Arc::new(phones);
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let run = format!(
        "{:x}",
        since_epoch.as_nanos() ^ u128::from(std::process::id())
    );
    let accepted = accepted_at.clone();
    let driven = drive(concurrency, duration, move |w, n| {
        let (client, bodies, run, accepted) = (
            phones[w].clone(),
            bodies.clone(),
            run.clone(),
            accepted.clone(),
        );
        async move {
            let (url, body) = &bodies[(w + n) % bodies.len()];
            let res = client
                .post(url)
                .header("idempotency-key", format!("bench-{run}-{w}-{n}"))
                .json(body)
                .send()
                .await;
            let Ok(res) = res else { return false };
            if res.status().as_u16() != 201 {
                return false;
            }
            if timing {
                let at = Instant::now();
                let Ok(order) = res.json::<Value>().await else {
                    return false;
                };
                if let (Some(id), Ok(mut map)) = (order["id"].as_i64(), accepted.lock()) {
                    map.insert(id, at);
                }
            }
            true
        }
    })
    .await?;
    let kitchen = match consumer {
        Some(c) => {
            let delivered_at = c.finish().await?;
            let accepted = accepted_at.lock().map(|m| m.clone()).unwrap_or_default();
            let mut latencies: Vec<Duration> = accepted
                .iter()
                .filter_map(|(id, at)| {
                    delivered_at
                        .get(id)
                        .map(|d| d.saturating_duration_since(*at))
                })
                .collect();
            latencies.sort();
            Some(KitchenReport {
                delivered: latencies.len() as u64,
                p50_ms: percentile(&latencies, 0.50),
                p99_ms: percentile(&latencies, 0.99),
                max_ms: percentile(&latencies, 1.0),
            })
        }
        None => None,
    };
    Ok(OrdersReport {
        concurrency,
        seconds: driven.seconds,
        accepted: driven.ok,
        refused: driven.failed,
        orders_per_second: driven.ok as f64 / driven.seconds,
        p50_ms: percentile(&driven.latencies, 0.50),
        p99_ms: percentile(&driven.latencies, 0.99),
        max_ms: percentile(&driven.latencies, 1.0),
        kitchen,
    })
}
