//! The load generator (`qrorder-loadgen`, run by `scripts/bench`), a tool
//! apart from the server: it talks to a running server over HTTP and
//! WebSocket only, as diners do. `orders` keeps `concurrency` diners
//! ordering for `duration` and reports accepted orders per second and
//! latency percentiles; `ws` times the cart fan-out over many sockets.

use std::collections::HashMap;
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
    /// Order accepted (its 201 read) → its entry read by a kitchen-like
    /// consumer (XREADGROUP BLOCK on the restaurant's stream), when asked.
    pub kitchen: Option<KitchenReport>,
}

#[derive(Debug, Serialize)]
pub struct KitchenReport {
    /// Accepted orders whose entry the consumer read before it stopped.
    pub delivered: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Where the kitchen-like consumer reads: the server's Redis and the
/// stream the seed names (`kitchen_stream` of `seed-demo --json`).
pub struct Kitchen {
    pub redis_url: String,
    pub stream: String,
}

/// The `p` percentile (0 to 1) of sorted `latencies`, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// What `drive` measured.
struct Driven {
    seconds: f64,
    ok: u64,
    failed: u64,
    /// Sorted.
    latencies: Vec<Duration>,
}

/// Keeps `concurrency` workers calling `call(worker, n)` (true: success)
/// back to back for `duration`, timing each call.
async fn drive<F, Fut>(concurrency: usize, duration: Duration, call: F) -> anyhow::Result<Driven>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (call, ok, failed) = (call.clone(), ok.clone(), failed.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0usize;
            while Instant::now() < deadline {
                let t = Instant::now();
                let success = call(w, n).await;
                latencies.push(t.elapsed());
                if success {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
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
    Ok(Driven {
        seconds,
        ok: ok.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        latencies,
    })
}

/// The HTTP client of worker `w`, from loopback address 127.0.0.(2 + w).
fn phone(w: usize, concurrency: usize) -> anyhow::Result<reqwest::Client> {
    let last = u8::try_from(2 + w % 250).unwrap_or(2);
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .local_address(std::net::IpAddr::from([127, 0, 0, last]))
        .timeout(Duration::from_secs(30))
        .build()?)
}

fn http_client(concurrency: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()?)
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

/// A kitchen-like consumer: a consumer group of its own on the stream,
/// created at its end before the load starts, reading with XREADGROUP
/// BLOCK as the kitchen display does, until the load is over and the
/// stream has been quiet for a moment (bounded).
struct KitchenConsumer {
    task: tokio::task::JoinHandle<anyhow::Result<HashMap<i64, Instant>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

const KITCHEN_GROUP: &str = "qrorder-loadgen";

impl KitchenConsumer {
    async fn start(k: Kitchen, duration: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(k.redis_url.as_str())?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        // A group of its own from the stream's end: only this run's orders.
        let _: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("DESTROY")
            .arg(&k.stream)
            .arg(KITCHEN_GROUP)
            .query_async(&mut conn)
            .await;
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&k.stream)
            .arg(KITCHEN_GROUP)
            .arg("$")
            .arg("MKSTREAM")
            .query_async::<()>(&mut conn)
            .await
            .context("XGROUP CREATE for the kitchen consumer")?;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        // Bounded: the load's duration and 30 s more at most.
        let give_up = Instant::now() + duration + Duration::from_secs(30);
        let task = tokio::spawn(async move {
            let mut delivered = HashMap::new();
            let mut quiet_since: Option<Instant> = None;
            while Instant::now() < give_up {
                let reply: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
                    .arg("GROUP")
                    .arg(KITCHEN_GROUP)
                    .arg("bench")
                    .arg("COUNT")
                    .arg(100)
                    .arg("BLOCK")
                    .arg(100)
                    .arg("STREAMS")
                    .arg(&k.stream)
                    .arg(">")
                    .query_async(&mut conn)
                    .await?;
                let at = Instant::now();
                let mut read = 0;
                for key in &reply.keys {
                    for entry in &key.ids {
                        read += 1;
                        let id: Option<i64> = entry.get("order_id");
                        if let Some(id) = id {
                            delivered.entry(id).or_insert(at);
                        }
                    }
                }
                if stopped.load(Ordering::Relaxed) {
                    // After the load: stop once a second passed without entries.
                    if read > 0 {
                        quiet_since = None;
                    } else if quiet_since.get_or_insert(at).elapsed() > Duration::from_secs(1) {
                        break;
                    }
                }
            }
            let _: redis::RedisResult<()> = redis::cmd("XGROUP")
                .arg("DESTROY")
                .arg(&k.stream)
                .arg(KITCHEN_GROUP)
                .query_async(&mut conn)
                .await;
            Ok(delivered)
        });
        Ok(Self { task, stop })
    }

    async fn finish(self) -> anyhow::Result<HashMap<i64, Instant>> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await?
    }
}

#[derive(Debug, Serialize)]
pub struct RequestsReport {
    pub path: String,
    pub requests_per_second: f64,
    pub ok: u64,
    pub failed: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// `GET` of each of `paths` (round robin) by `concurrency` workers for
/// `duration`: requests/s of 200 answers and latency.
pub async fn gets(
    base: &str,
    paths: &[String],
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<RequestsReport> {
    anyhow::ensure!(!paths.is_empty(), "nothing to request");
    let client = http_client(concurrency)?;
    let base = base.trim_end_matches('/');
    let urls: Arc<Vec<String>> = Arc::new(paths.iter().map(|p| format!("{base}{p}")).collect());
    let driven = drive(concurrency, duration, move |w, n| {
        let (client, urls) = (client.clone(), urls.clone());
        async move {
            let url = &urls[(w + n) % urls.len()];
            match client.get(url).send().await {
                // The whole body, as a phone would read it.
                Ok(r) if r.status().as_u16() == 200 => r.bytes().await.is_ok(),
                _ => false,
            }
        }
    })
    .await?;
    Ok(RequestsReport {
        path: paths[0].clone(),
        requests_per_second: driven.ok as f64 / driven.seconds,
        ok: driven.ok,
        failed: driven.failed,
        p50_ms: percentile(&driven.latencies, 0.50),
        p99_ms: percentile(&driven.latencies, 0.99),
    })
}

#[derive(Debug, Serialize)]
pub struct WsReport {
    pub tables: usize,
    pub diners_per_table: usize,
    pub sockets: usize,
    pub connect_seconds: f64,
    pub seconds: f64,
    pub ops_sent: u64,
    pub ops_per_second: f64,
    /// Deliveries of ops to the other diners of their table.
    pub deliveries: u64,
    pub expected_deliveries: u64,
    pub fanout_p50_ms: f64,
    pub fanout_p99_ms: f64,
    pub fanout_max_ms: f64,
    /// Server memory per socket, from its RSS before and after connecting.
    pub server_rss_per_socket_kb: Option<f64>,
}

fn rss_kb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

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
async fn owner(base: &str, seed: &Value) -> anyhow::Result<(reqwest::Client, String)> {
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

/// `tables` × `diners` sockets on one ws instance. In each table one diner
/// changes the note of a shared line `ops_per_second / tables` times a
/// second; the others' receipt of each change is timed (note = sequence).
pub async fn ws(
    base: &str,
    table_tokens: &[String],
    tables: usize,
    diners: usize,
    ops_per_second: f64,
    duration: Duration,
    server_pid: Option<u32>,
) -> anyhow::Result<WsReport> {
    use futures::{SinkExt, StreamExt};
    use qrorder_shared::ws::{CartOp, ClientMessage, ServerMessage};
    use tokio_tungstenite::tungstenite::Message;

    anyhow::ensure!(
        !table_tokens.is_empty() && diners >= 2,
        "need tables and at least two diners each"
    );
    let ws_base = base.trim_end_matches('/').replacen("http", "ws", 1);
    let rss_before = server_pid.and_then(rss_kb);
    let sent_at: Arc<std::sync::Mutex<std::collections::HashMap<u64, Instant>>> = Arc::default();
    let latencies: Arc<std::sync::Mutex<Vec<f64>>> = Arc::default();
    let deliveries = Arc::new(AtomicU64::new(0));
    let seq = Arc::new(AtomicU64::new(0));

    // Connect everyone (several sockets per real table: tokens repeat).
    let connect_started = Instant::now();
    let mut senders = Vec::new();
    let mut readers = Vec::new();
    for t in 0..tables {
        let token = table_tokens
            .get(t)
            .context("fewer table tokens than tables")?;
        let url = format!("{ws_base}/ws/tables/{token}");
        let mut table_sockets = Vec::new();
        for d in 0..diners {
            let (mut socket, _) = tokio_tungstenite::connect_async(&url)
                .await
                .context("ws connect")?;
            let hello = ClientMessage::Hello {
                client_id: format!("b{t}x{d}"),
                nickname: None,
                last_version: None,
            };
            socket
                .send(Message::Text(serde_json::to_string(&hello)?.into()))
                .await?;
            table_sockets.push(socket);
        }
        senders.push(table_sockets.remove(0));
        readers.push(table_sockets);
    }
    let connect_seconds = connect_started.elapsed().as_secs_f64();
    let sockets = tables * diners;
    let rss_after = server_pid.and_then(rss_kb);

    // Readers: time every note change they hear.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut reader_tasks = Vec::new();
    for socket in readers.into_iter().flatten() {
        let (sent_at, latencies, deliveries, stop) = (
            sent_at.clone(),
            latencies.clone(),
            deliveries.clone(),
            stop.clone(),
        );
        reader_tasks.push(tokio::spawn(async move {
            let (_, mut rx) = socket.split();
            while !stop.load(Ordering::Relaxed) {
                let Ok(Some(Ok(Message::Text(text)))) =
                    tokio::time::timeout(Duration::from_millis(200), rx.next()).await
                else {
                    continue;
                };
                if let Ok(ServerMessage::CartOp {
                    op:
                        CartOp::SetNote {
                            note: Some(note), ..
                        },
                    ..
                }) = serde_json::from_str::<ServerMessage>(&text)
                    && let Some(at) = note
                        .parse::<u64>()
                        .ok()
                        .and_then(|s| sent_at.lock().ok()?.get(&s).copied())
                {
                    deliveries.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut l) = latencies.lock() {
                        l.push(at.elapsed().as_secs_f64() * 1000.0);
                    }
                }
            }
        }));
    }

    // Senders: one shared line per table, then note changes at the rate.
    let per_table_interval = Duration::from_secs_f64(tables as f64 / ops_per_second.max(0.001));
    let started = Instant::now();
    let deadline = started + duration;
    let mut sender_tasks = Vec::new();
    for (t, mut socket) in senders.into_iter().enumerate() {
        let (sent_at, seq) = (sent_at.clone(), seq.clone());
        sender_tasks.push(tokio::spawn(async move {
            let mut line_id = None;
            // Learn the cart; add a line when it has none.
            while line_id.is_none() {
                let Ok(Some(Ok(Message::Text(text)))) =
                    tokio::time::timeout(Duration::from_secs(10), socket.next()).await
                else {
                    return 0u64;
                };
                match serde_json::from_str::<ServerMessage>(&text) {
                    Ok(ServerMessage::Cart { lines, .. }) if !lines.is_empty() => {
                        line_id = Some(lines[0].line_id.clone())
                    }
                    Ok(ServerMessage::Cart { .. }) => {
                        let add = ClientMessage::Add {
                            item_id: qrorder_shared::MenuItemId(8),
                            options: Default::default(),
                            qty: 1,
                            note: None,
                        };
                        let Ok(text) = serde_json::to_string(&add) else {
                            return 0;
                        };
                        if socket.send(Message::Text(text.into())).await.is_err() {
                            return 0;
                        }
                    }
                    Ok(ServerMessage::CartOp {
                        op: CartOp::Add { line },
                        ..
                    }) => line_id = Some(line.line_id),
                    _ => {}
                }
            }
            let line_id = line_id.unwrap_or_default();
            // Spread the tables over the interval.
            tokio::time::sleep(per_table_interval.mul_f64((t as f64 * 0.618) % 1.0)).await;
            let mut ticker = tokio::time::interval(per_table_interval);
            let mut sent = 0u64;
            while Instant::now() < deadline {
                ticker.tick().await;
                let n = seq.fetch_add(1, Ordering::Relaxed);
                let msg = ClientMessage::SetNote {
                    line_id: line_id.clone(),
                    note: Some(n.to_string()),
                };
                let Ok(text) = serde_json::to_string(&msg) else {
                    break;
                };
                if let Ok(mut s) = sent_at.lock() {
                    s.insert(n, Instant::now());
                }
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
                sent += 1;
                // Drain what the sender hears so its socket never backs up.
                while let Ok(Some(_)) = tokio::time::timeout(Duration::ZERO, socket.next()).await {}
            }
            sent
        }));
    }
    let mut ops_sent = 0;
    for s in sender_tasks {
        ops_sent += s.await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    // Let the last deliveries arrive, then stop the readers.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for r in reader_tasks {
        let _ = r.await;
    }
    let mut l = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    l.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    Ok(WsReport {
        tables,
        diners_per_table: diners,
        sockets,
        connect_seconds,
        seconds,
        ops_sent,
        ops_per_second: ops_sent as f64 / seconds,
        deliveries: deliveries.load(Ordering::Relaxed),
        expected_deliveries: ops_sent * (diners as u64 - 1),
        fanout_p50_ms: pct(0.50),
        fanout_p99_ms: pct(0.99),
        fanout_max_ms: pct(1.0),
        server_rss_per_socket_kb: match (rss_before, rss_after) {
            (Some(b), Some(a)) if sockets > 0 => Some((a - b) / sockets as f64),
            _ => None,
        },
    })
}
