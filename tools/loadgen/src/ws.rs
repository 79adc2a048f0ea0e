//! The cart fan-out over many sockets.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

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

pub(crate) fn rss_kb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
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
