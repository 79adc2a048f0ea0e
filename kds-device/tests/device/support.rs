//! Shared test plumbing: a unique Redis key prefix per test (real Redis at
//! 127.0.0.1:6379), a virtual printer over TCP on port 0, a quiet stand-in
//! API for the stream tests, and waiting for events with timeouts.

#![allow(clippy::unwrap_used, dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::extract::WebSocketUpgrade;
use axum::routing::get;
use axum::{Json, Router};
use kds::event::Event;
use kds::gpio::RecordingGpio;
use kds::print_worker::TestHooks;
use kds::redis_io::Group;
use kds::{Config, Device, Options};
use printer::emulator::server::{Config as VpConfig, VirtualPrinter};
use qrorder_shared::stream::{OrderPayload, OrderPayloadItem};
use redis::aio::MultiplexedConnection;
use tokio::sync::mpsc;

pub const RESTAURANT: i64 = 7;
pub const WAIT: Duration = Duration::from_secs(20);

pub fn unique(name: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "kdstest-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn stream_key(prefix: &str) -> String {
    qrorder_shared::keys::Keys::new(prefix).orders_stream(qrorder_shared::RestaurantId(RESTAURANT))
}

pub async fn redis() -> MultiplexedConnection {
    redis::Client::open("redis://127.0.0.1:6379")
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("Redis at 127.0.0.1:6379")
}

pub use crate::orders::item;

/// Order `order_id` of the tests' restaurant, placed now.
pub fn payload(order_id: i64, items: Vec<OrderPayloadItem>) -> OrderPayload {
    crate::orders::payload_of(RESTAURANT, order_id, items)
}

pub async fn xadd_raw(
    conn: &mut MultiplexedConnection,
    prefix: &str,
    fields: &[(&str, &str)],
) -> String {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(stream_key(prefix)).arg("*");
    for (k, v) in fields {
        cmd.arg(*k).arg(*v);
    }
    cmd.query_async(conn).await.unwrap()
}

pub async fn xadd(conn: &mut MultiplexedConnection, prefix: &str, p: &OrderPayload) -> String {
    let json = serde_json::to_string(p).unwrap();
    xadd_raw(
        conn,
        prefix,
        &[("order_id", &p.order_id.to_string()), ("payload", &json)],
    )
    .await
}

pub async fn pending(conn: &mut MultiplexedConnection, prefix: &str, group: &str) -> u64 {
    pending_on(conn, &stream_key(prefix), group).await
}

/// XPENDING's count of `group` on `stream`.
pub async fn pending_on(conn: &mut MultiplexedConnection, stream: &str, group: &str) -> u64 {
    let group = Group {
        stream: stream.into(),
        name: group.into(),
    };
    kds::redis_io::pending(conn, &group).await.unwrap()
}

pub async fn virtual_printer() -> VirtualPrinter {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    VirtualPrinter::start(VpConfig {
        listen: any,
        control: any,
        out_dir: std::env::temp_dir().join(unique("vp")),
        model: Default::default(),
    })
    .await
    .expect("virtual printer starts")
}

pub fn config(prefix: &str, device: &str, printer: &str, data_dir: &Path, api: &str) -> Config {
    Config {
        redis_prefix: prefix.into(),
        restaurant_id: RESTAURANT,
        device_id: device.into(),
        printer: printer.into(),
        data_dir: data_dir.to_path_buf(),
        api_url: api.into(),
        api_token: "device-token".into(),
        language: "en".into(),
        claim_idle_ms: 1_500,
        claim_interval_ms: 300,
        block_ms: 500,
        api_health_ms: 300,
        api_timeout_ms: 500,
        ..Config::default()
    }
}

pub struct Running {
    pub device: Device,
    pub events: mpsc::UnboundedReceiver<Event>,
    pub gpio: RecordingGpio,
}

pub async fn start(config: Config, hooks: TestHooks) -> Running {
    let (tap, events) = mpsc::unbounded_channel();
    let gpio = RecordingGpio::default();
    let mut options = Options::new(Box::new(gpio.clone()));
    options.tap = Some(tap);
    options.hooks = hooks;
    let device = Device::start(config, options).await.expect("device starts");
    Running {
        device,
        events,
        gpio,
    }
}

/// The next event matching `pred`, within `WAIT`.
pub async fn next_event(
    events: &mut mpsc::UnboundedReceiver<Event>,
    what: &str,
    pred: impl Fn(&Event) -> bool,
) -> Event {
    let found = tokio::time::timeout(WAIT, async {
        while let Some(e) = events.recv().await {
            if pred(&e) {
                return Some(e);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(e)) => e,
        Ok(None) => panic!("event stream ended waiting for {what}"),
        Err(_) => panic!("no {what} within {WAIT:?}"),
    }
}

/// Await a condition on outside state (Redis, the printer), polled, within `WAIT`.
pub async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(unique("data"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ---------------------------------------------------------------------------
// A quiet API for the stream tests, which are about Redis and the printer:
// healthy, no open orders, a `/ws/kitchen` that never says anything. Status
// sync itself is tested against the real server (`admin.rs`).

pub struct QuietApi {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for QuietApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn quiet_api() -> QuietApi {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/api/v1/admin/orders",
            get(|| async { Json(Vec::<qrorder_shared::order::Order>::new()) }),
        )
        .route(
            "/ws/kitchen",
            get(|ws: WebSocketUpgrade| async move {
                ws.on_upgrade(
                    |mut socket| async move { while let Some(Ok(_)) = socket.recv().await {} },
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    QuietApi { url, task }
}

/// The real `kds` binary, headless, as device `kds-crash` of restaurant
/// [`RESTAURANT`], its log in `data/log`; `env` adds or overrides variables.
pub fn spawn_kds(
    prefix: &str,
    printer: &str,
    data: &Path,
    api: &str,
    log: &str,
    env: &[(&str, &str)],
) -> tokio::process::Child {
    let log = std::fs::File::create(data.join(log)).unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_kds"))
        .arg("--headless")
        .env("KDS__REDIS_PREFIX", prefix)
        .env("KDS__RESTAURANT_ID", RESTAURANT.to_string())
        .env("KDS__DEVICE_ID", "kds-crash")
        .env("KDS__PRINTER", printer)
        .env("KDS__DATA_DIR", data)
        .env("KDS__API_URL", api)
        .env("KDS__API_TOKEN", "device-token")
        .env("KDS__LANGUAGE", "en")
        .env("KDS__BLOCK_MS", "500")
        .env("RUST_LOG", "info")
        // Not systemd's notifications of whatever runs the tests.
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("kds starts")
}
