//! The real QR Order server (`qrorder`, all roles), spawned by the test kit
//! on 127.0.0.1:0 with its own SQLite file, its own Redis key prefix and
//! the demo restaurant; a kitchen device registered through the admin API.
//! Shared by the `device` and `ui` test binaries.

#![allow(clippy::unwrap_used, dead_code)]

use std::path::Path;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use qrorder::seed::DemoSeed;
use qrorder_shared::order::{Order, OrderStatus};
use qrorder_shared::ws::ServerMessage;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

pub struct RealServer {
    pub url: String,
    pub http: reqwest::Client,
    pub seed: DemoSeed,
    pub prefix: String,
    /// The demo owner's session token.
    pub owner: String,
    /// A kitchen device's token (station `kitchen`).
    pub device_token: String,
    /// That device's own Redis user (`url`, `username`, `password`), when
    /// the server runs with device ACLs.
    pub device_redis: Option<Value>,
    server: test_kit::Server,
}

/// An idempotency key no other order of this test process uses.
fn fresh_key() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("k-{}-{n}", kds::status_sync::now_ms())
}

pub type DinerSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl RealServer {
    pub async fn spawn(prefix: &str) -> RealServer {
        Self::spawn_with(prefix, |_| {}).await
    }

    /// Like `spawn`, with the server's configuration adjusted last.
    pub async fn spawn_with(
        prefix: &str,
        adjust: impl FnOnce(&mut qrorder::config::Config),
    ) -> RealServer {
        let server = test_kit::Server::spawn(test_kit::Backend::Sqlite, |config| {
            // The Redis the device tests use (see device/support.rs).
            config.redis_url = "redis://127.0.0.1:6379".into();
            config.redis_prefix = prefix.into();
            adjust(config);
        })
        .await;
        let mut server = RealServer {
            url: server.base.clone(),
            http: server.client.clone(),
            seed: server.seed.clone(),
            prefix: prefix.into(),
            owner: server.owner.clone(),
            device_token: String::new(),
            device_redis: None,
            server,
        };
        let device = server
            .admin(
                reqwest::Method::POST,
                "/devices",
                Some(json!({"name": "Kitchen screen", "station": "kitchen"})),
            )
            .await;
        server.device_token = device["token"].as_str().unwrap().to_owned();
        server.device_redis = device.get("redis").filter(|r| !r.is_null()).cloned();
        server
    }

    pub fn restaurant_id(&self) -> i64 {
        self.seed.restaurant_id.0
    }

    /// A device configuration for this server (its API, token, prefix, restaurant).
    /// With device ACLs, the device's own Redis user too.
    pub fn kds_config(&self, device: &str, printer: &str, data_dir: &Path) -> kds::Config {
        let mut config = self.kds_config_default_redis(device, printer, data_dir);
        if let Some(r) = &self.device_redis {
            config.redis_url = r["url"].as_str().unwrap().into();
            config.redis_username = r["username"].as_str().map(str::to_owned);
            config.redis_password = r["password"].as_str().map(str::to_owned);
        }
        config
    }

    fn kds_config_default_redis(
        &self,
        device: &str,
        printer: &str,
        data_dir: &Path,
    ) -> kds::Config {
        kds::Config {
            redis_prefix: self.prefix.clone(),
            restaurant_id: self.restaurant_id(),
            device_id: device.into(),
            printer: printer.into(),
            data_dir: data_dir.to_path_buf(),
            api_url: self.url.clone(),
            api_token: self.device_token.clone(),
            language: "en".into(),
            claim_idle_ms: 1_500,
            claim_interval_ms: 300,
            block_ms: 500,
            api_health_ms: 300,
            // Generous: a slow answer under parallel tests is not an outage.
            api_timeout_ms: 3_000,
            ..kds::Config::default()
        }
    }

    /// Stops the server (graceful: sockets get a close frame) and waits.
    pub async fn stop(&mut self) {
        self.server.stop().await;
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "{path} answered {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// The admin API (`path` below `/api/v1/admin`) as the owner.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.call(
            method,
            &format!("/api/v1/admin{path}"),
            Some(&self.owner),
            body,
        )
        .await
    }

    /// The id of the demo menu item called `name` (English).
    pub async fn item_id(&self, name: &str) -> i64 {
        let items = self.admin(reqwest::Method::GET, "/menu-items", None).await;
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"]["en"] == name)
            .unwrap_or_else(|| panic!("no menu item {name}"))["id"]
            .as_i64()
            .unwrap()
    }

    /// A diner at table `table` orders `qty` of item `item_id` (no options).
    pub async fn place_order(&self, table: usize, item_id: i64, qty: u32) -> Order {
        let token = &self.seed.tables[table].token;
        let info = self
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/tables/{token}"),
                None,
                None,
            )
            .await;
        let item = self
            .admin(
                reqwest::Method::GET,
                &format!("/menu-items/{item_id}"),
                None,
            )
            .await;
        let body = json!({
            "visit_id": info["visit_id"],
            "items": [{"menu_item_id": item_id, "menu_version": item["version"], "qty": qty}],
        });
        let res = self
            .http
            .post(format!("{}/api/v1/tables/{token}/orders", self.url))
            .header("idempotency-key", fresh_key())
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(status, 201, "order refused: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Staff (the owner) enter an order for table `table` from the
    /// console: `(item id, qty)` lines, no options.
    pub async fn enter_order(&self, table: usize, lines: &[(i64, u32)]) -> Order {
        let mut items = Vec::new();
        for &(id, qty) in lines {
            let item = self
                .admin(reqwest::Method::GET, &format!("/menu-items/{id}"), None)
                .await;
            items.push(json!({"menu_item_id": id, "menu_version": item["version"], "qty": qty}));
        }
        let table_id = self.seed.tables[table].id;
        let res = self
            .http
            .post(format!(
                "{}/api/v1/admin/tables/{table_id}/orders",
                self.url
            ))
            .bearer_auth(&self.owner)
            .header("idempotency-key", fresh_key())
            .json(&json!({ "items": items }))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(status, 201, "staff order refused: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Staff void lines of an order with a reason.
    pub async fn void(&self, order: i64, line_ids: &[i64], reason: &str) -> Order {
        serde_json::from_value(
            self.admin(
                reqwest::Method::POST,
                &format!("/orders/{order}/void"),
                Some(json!({ "line_ids": line_ids, "reason": reason })),
            )
            .await,
        )
        .unwrap()
    }

    pub async fn order(&self, id: i64) -> Order {
        serde_json::from_value(
            self.admin(reqwest::Method::GET, &format!("/orders/{id}"), None)
                .await,
        )
        .unwrap()
    }

    /// The owner changes an order's status (as another screen or the till would).
    pub async fn set_status(&self, id: i64, status: OrderStatus) {
        self.admin(
            reqwest::Method::PATCH,
            &format!("/orders/{id}"),
            Some(json!({"status": status.as_str()})),
        )
        .await;
    }

    /// A diner's socket at table `table`, past its first `cart` snapshot.
    pub async fn diner_socket(&self, table: usize) -> DinerSocket {
        let token = &self.seed.tables[table].token;
        let url = format!(
            "{}/ws/tables/{token}",
            self.url.replacen("http://", "ws://", 1)
        );
        let (mut socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("diner socket");
        socket
            .send(Message::text(
                json!({"type": "hello", "client_id": "diner-1"}).to_string(),
            ))
            .await
            .unwrap();
        next_message(&mut socket, "cart snapshot", |m| {
            matches!(m, ServerMessage::Cart { .. })
        })
        .await;
        socket
    }
}

/// The next server message on `socket` matching `pred`, within 20 s.
pub async fn next_message(
    socket: &mut DinerSocket,
    what: &str,
    pred: impl Fn(&ServerMessage) -> bool,
) -> ServerMessage {
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(Ok(m)) = socket.next().await {
            if let Message::Text(text) = m
                && let Ok(m) = serde_json::from_str::<ServerMessage>(&text)
                && pred(&m)
            {
                return Some(m);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(m)) => m,
        Ok(None) => panic!("socket ended waiting for {what}"),
        Err(_) => panic!("no {what} within 20 s"),
    }
}
