//! Order on the stream → ticket on the screen (`scripts/bench kds`): the
//! time from XADD of an order to the device handing the screen a board
//! view with that ticket (the frame to draw it follows; see `--bench
//! screen`), p50/p99 over `KDS_BENCH_ORDERS` (300) orders sent one at a
//! time. Baseline in the same run, same Redis: XADD → the entry arriving
//! at a bare `XREADGROUP … BLOCK` consumer, the floor for any stream
//! consumer. Needs Redis (`KDS_BENCH_REDIS`, default 127.0.0.1:6379).

#![allow(clippy::unwrap_used)]

#[path = "../tests/common/orders.rs"]
mod orders;

use std::time::{Duration, Instant};

use kds::board::BoardView;
use kds::gpio::RecordingGpio;
use kds::{Device, Options};
use redis::aio::MultiplexedConnection;
use tokio::sync::mpsc;

const RESTAURANT: i64 = 1;

fn payload(order_id: i64) -> String {
    let p = orders::payload_of(
        RESTAURANT,
        order_id,
        vec![orders::item("Bibimbap", 1, "kitchen")],
    );
    serde_json::to_string(&p).unwrap()
}

async fn xadd(conn: &mut MultiplexedConnection, stream: &str, order_id: i64) {
    let _: String = redis::cmd("XADD")
        .arg(stream)
        .arg("*")
        .arg("order_id")
        .arg(order_id)
        .arg("payload")
        .arg(payload(order_id))
        .query_async(conn)
        .await
        .unwrap();
}

fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    (at(0.50), at(0.99))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // one order each, as a smoke run.
    let orders: i64 = if std::env::args().any(|a| a == "--bench") {
        std::env::var("KDS_BENCH_ORDERS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(300)
    } else {
        1
    };
    let redis_url =
        std::env::var("KDS_BENCH_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let client = redis::Client::open(redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let prefix = format!("kdsbench-{}", std::process::id());

    // Baseline: a bare consumer-group member, BLOCK on its own connection.
    let base_stream = format!("{prefix}:baseline");
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&base_stream)
        .arg("g")
        .arg("$")
        .arg("MKSTREAM")
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut reader = client.get_multiplexed_async_connection().await.unwrap();
    let reader_id: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut reader)
        .await
        .unwrap();
    let mut baseline = Vec::new();
    for id in 1..=orders {
        let read = {
            let mut reader = reader.clone();
            let stream = base_stream.clone();
            tokio::spawn(async move {
                let _: redis::Value = redis::cmd("XREADGROUP")
                    .arg("GROUP")
                    .arg("g")
                    .arg("c")
                    .arg("COUNT")
                    .arg(1)
                    .arg("BLOCK")
                    .arg(5000)
                    .arg("STREAMS")
                    .arg(&stream)
                    .arg(">")
                    .query_async(&mut reader)
                    .await
                    .unwrap();
                Instant::now()
            })
        };
        // Send once the reader is blocked in Redis (flag `b`).
        let waiting = Instant::now();
        loop {
            let info: String = redis::cmd("CLIENT")
                .arg("LIST")
                .arg("ID")
                .arg(reader_id)
                .query_async(&mut conn)
                .await
                .unwrap();
            if info
                .split_whitespace()
                .any(|f| f.starts_with("flags=") && f.contains('b'))
            {
                break;
            }
            assert!(
                waiting.elapsed() < Duration::from_secs(5),
                "the reader never blocked"
            );
            tokio::task::yield_now().await;
        }
        let sent = Instant::now();
        xadd(&mut conn, &base_stream, id).await;
        baseline.push(read.await.unwrap() - sent);
    }

    // The device: screen only (no printer), views observed as the UI gets them.
    let data = std::env::temp_dir().join(format!("{prefix}-data"));
    let config = kds::Config {
        redis_url: redis_url.clone(),
        redis_prefix: prefix.clone(),
        restaurant_id: RESTAURANT,
        device_id: "bench".into(),
        printer: "none".into(),
        data_dir: data.clone(),
        // No server here: the API half of the status bar stays red.
        api_url: "http://127.0.0.1:9".into(),
        language: "en".into(),
        ..kds::Config::default()
    };
    let (views_tx, mut views) = mpsc::unbounded_channel::<(Instant, BoardView)>();
    let mut options = Options::new(Box::new(RecordingGpio::default()));
    options.view = Some(Box::new(move |v| {
        let _ = views_tx.send((Instant::now(), v));
    }));
    let device = Device::start(config, options).await.unwrap();
    let stream = qrorder_shared::keys::Keys::new(&prefix)
        .orders_stream(qrorder_shared::RestaurantId(RESTAURANT));
    // Ready once the group exists (the consumer creates it first thing).
    let started = Instant::now();
    loop {
        let groups: redis::Value = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(&stream)
            .query_async(&mut conn)
            .await
            .unwrap_or(redis::Value::Nil);
        if matches!(groups, redis::Value::Array(ref g) if !g.is_empty()) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "device never joined the group"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut device_lat = Vec::new();
    for id in 1..=orders {
        while views.try_recv().is_ok() {}
        let sent = Instant::now();
        xadd(&mut conn, &stream, id).await;
        let shown = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let (at, view) = views.recv().await.unwrap();
                if view.cards.iter().any(|c| c.order_id == id) {
                    return at;
                }
            }
        })
        .await
        .expect("ticket on screen within 10 s");
        device_lat.push(shown - sent);
    }
    device.stop().await;
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    keys.push(base_stream);
    let _: () = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut conn)
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&data);

    let (b50, b99) = percentiles(baseline);
    let (d50, d99) = percentiles(device_lat);
    println!("stream → screen, {orders} orders one at a time:");
    println!(
        "  baseline XADD → XREADGROUP BLOCK: p50 {:.3} ms  p99 {:.3} ms",
        ms(b50),
        ms(b99)
    );
    println!(
        "  kds XADD → board view on screen:  p50 {:.3} ms  p99 {:.3} ms  (×{:.1} / ×{:.1} the baseline)",
        ms(d50),
        ms(d99),
        ms(d50) / ms(b50).max(1e-6),
        ms(d99) / ms(b99).max(1e-6)
    );
}
