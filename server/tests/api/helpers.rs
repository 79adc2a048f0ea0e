//! `TestApp`: the application spawned in-process with a seeded demo
//! restaurant, and the HTTP helpers the tests share.

use std::time::Duration;

use qrorder::config::Config;
use qrorder::seed;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use tempfile::TempDir;

pub use test_kit::{Backend, random_suffix, redis_url};

/// The test kit's server, with the API tests' helpers.
pub struct TestApp(test_kit::Server);

impl std::ops::Deref for TestApp {
    type Target = test_kit::Server;
    fn deref(&self) -> &test_kit::Server {
        &self.0
    }
}

/// Runs each `async fn name(app: TestApp)` once on SQLite and once on
/// PostgreSQL, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($(#[$meta:meta])* async fn $name:ident($app:ident: TestApp) $body:block)*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $crate::helpers::TestApp) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await).await
            }
        }
    )*};
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like `spawn`, with the configuration adjusted first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        qrorder::infra::telemetry::init_logs(qrorder::config::LogFormat::Pretty);
        TestApp(
            test_kit::Server::spawn(backend, |config| {
                config.public_base_url = Some("http://qr.test".into());
                adjust(config);
            })
            .await,
        )
    }

    /// A request to the admin API (`path` below `/api/v1/admin`) as `token`.
    pub fn admin(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(&format!("/api/v1/admin{path}")))
            .bearer_auth(token)
    }

    /// Creates a second restaurant with its own owner; returns that owner's token.
    pub async fn other_restaurant(&self) -> String {
        let email = format!("other-{}@example.com", random_suffix());
        let r = seed::local_restaurant(
            "Other place",
            "EUR".parse().expect("EUR"),
            "Europe/Berlin",
            &["en"],
        );
        seed::create_owner(&self.db, r, &email, "other-password")
            .await
            .expect("other restaurant");
        self.login(&email, "other-password").await
    }

    /// Adds a staff account and returns its token.
    pub async fn staff(&self) -> String {
        let email = format!("staff-{}@example.com", random_suffix());
        let res = self
            .admin(Method::POST, "/users", &self.owner)
            .json(&serde_json::json!({ "email": email, "password": "staff-password", "role": "staff" }))
            .send()
            .await
            .expect("create staff");
        expect_status(res, StatusCode::CREATED).await;
        self.login(&email, "staff-password").await
    }

    /// Registers a kitchen device and returns its token.
    pub async fn device(&self) -> (i64, String) {
        let res = self
            .admin(Method::POST, "/devices", &self.owner)
            .json(&serde_json::json!({ "name": "Pass screen", "station": "kitchen" }))
            .send()
            .await
            .expect("register device");
        let body = expect_status(res, StatusCode::CREATED).await;
        (
            body["id"].as_i64().expect("id"),
            body["token"].as_str().expect("token").to_owned(),
        )
    }

    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let res = self
            .admin(Method::GET, path, token)
            .send()
            .await
            .expect("GET");
        expect_status(res, StatusCode::OK).await
    }
}

/// Asserts the status and returns the JSON body (Null when empty).
pub async fn expect_status(res: Response, status: StatusCode) -> Value {
    let got = res.status();
    let url = res.url().clone();
    let text = res.text().await.expect("body");
    assert_eq!(got, status, "{url} answered {got}: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON body")
    }
}

/// Asserts an error answer: status, `code`, and a non-empty message.
pub async fn expect_error(res: Response, status: StatusCode, code: &str) -> Value {
    let body = expect_status(res, status).await;
    assert_eq!(body["code"], code, "error body: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message in {body}"
    );
    body
}

/// A diner's view of a table: its token and the current menu versions.
impl TestApp {
    pub fn table_token(&self, index: usize) -> String {
        self.seed.tables[index].token.clone()
    }

    pub async fn table_info(&self, token: &str) -> Value {
        let res = self
            .client
            .get(self.url(&format!("/api/v1/tables/{token}")))
            .send()
            .await
            .expect("GET table");
        expect_status(res, StatusCode::OK).await
    }

    pub async fn menu_item(&self, id: i64) -> Value {
        self.get_json(&format!("/menu-items/{id}"), &self.owner)
            .await
    }

    /// An order body for `(menu item id, qty)` lines at their current versions.
    pub async fn order_body(&self, token: &str, lines: &[(i64, u32)]) -> Value {
        let visit = self.table_info(token).await["visit_id"].clone();
        let mut items = Vec::new();
        for &(id, qty) in lines {
            let item = self.menu_item(id).await;
            let mut options = serde_json::Map::new();
            // Pick the first option of every required group.
            for g in item["option_groups"].as_array().expect("groups") {
                if g["min"].as_u64().unwrap_or(0) > 0 {
                    options.insert(
                        g["id"].as_str().expect("id").to_owned(),
                        serde_json::json!([g["options"][0]["id"]]),
                    );
                }
            }
            items.push(serde_json::json!({ "menu_item_id": id, "menu_version": item["version"], "qty": qty, "options": options }));
        }
        serde_json::json!({ "visit_id": visit, "items": items })
    }

    /// POSTs an order with `key` as its Idempotency-Key.
    pub async fn place(&self, token: &str, body: &Value, key: &str) -> Response {
        self.client
            .post(self.url(&format!("/api/v1/tables/{token}/orders")))
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .expect("POST order")
    }

    /// Creates a menu item with limited stock in the first category; returns its id.
    pub async fn limited_item(&self, name: &str, stock: i64) -> i64 {
        let res = self
            .admin(Method::POST, "/menu-items", &self.owner)
            .json(&serde_json::json!({ "category_id": 1, "name": { "en": name }, "price_minor": 5000, "stock": stock }))
            .send()
            .await
            .expect("create item");
        expect_status(res, StatusCode::CREATED).await["id"]
            .as_i64()
            .expect("id")
    }

    pub async fn patch_restaurant(&self, patch: Value) {
        let res = self
            .admin(Method::PATCH, "/restaurant", &self.owner)
            .json(&patch)
            .send()
            .await
            .expect("PATCH");
        expect_status(res, StatusCode::OK).await;
    }

    pub fn stream_key(&self) -> String {
        qrorder::infra::keys::Keys::new(&self.config.redis_prefix)
            .orders_stream(self.seed.restaurant_id)
    }

    /// The kitchen stream's entries, waiting (bounded) until there are `n`.
    pub async fn stream_entries(&self, n: usize) -> Vec<redis::streams::StreamId> {
        self.stream_order_ids(n, Duration::from_secs(10)).await;
        let mut conn = redis::Client::open(self.config.redis_url.as_str())
            .expect("url")
            .get_multiplexed_async_connection()
            .await
            .expect("redis");
        self.xrange(&mut conn).await.ids
    }

    /// Every entry of the kitchen stream, oldest first.
    async fn xrange(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
    ) -> redis::streams::StreamRangeReply {
        redis::cmd("XRANGE")
            .arg(self.stream_key())
            .arg("-")
            .arg("+")
            .query_async(conn)
            .await
            .expect("XRANGE")
    }

    /// On a redis-server of the test's own (to stop, and restart empty),
    /// the outbox relay every 100 ms; `adjust` last.
    pub async fn spawn_on_own_redis(
        backend: Backend,
        adjust: impl FnOnce(&mut Config),
    ) -> (OwnRedis, TestApp) {
        let redis = OwnRedis::start();
        let url = redis.url();
        let app = TestApp::spawn_with(backend, |c| {
            c.redis_url = url;
            c.outbox_relay_interval_ms = 100;
            adjust(c);
        })
        .await;
        (redis, app)
    }

    /// Waits (XREAD BLOCK, bounded by `within`) until the kitchen stream
    /// holds at least `n` entries; returns every entry's `order_id`.
    pub async fn stream_order_ids(&self, n: usize, within: Duration) -> Vec<i64> {
        let client = redis::Client::open(self.config.redis_url.as_str()).expect("redis url");
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let mut conn = client
                .get_multiplexed_async_connection()
                .await
                .expect("redis");
            let entries = self.xrange(&mut conn).await;
            let ids: Vec<i64> = entries
                .ids
                .iter()
                .map(|e| {
                    e.get::<String>("order_id")
                        .expect("order_id")
                        .parse()
                        .expect("number")
                })
                .collect();
            let now = tokio::time::Instant::now();
            if ids.len() >= n || now >= deadline {
                return ids;
            }
            // Block until the next entry (or the deadline), then look again.
            let last = entries
                .ids
                .last()
                .map_or_else(|| "0".to_owned(), |e| e.id.clone());
            let wait_ms = (deadline - now).as_millis().max(1) as u64;
            let _: redis::Value = redis::cmd("XREAD")
                .arg("BLOCK")
                .arg(wait_ms)
                .arg("STREAMS")
                .arg(self.stream_key())
                .arg(last)
                .query_async(&mut conn)
                .await
                .unwrap_or(redis::Value::Nil);
        }
    }
}

/// A redis-server of the test's own, on its own port, to stop and restart.
pub struct OwnRedis {
    pub port: u16,
    /// The default user's password (`requirepass`), when it has one.
    pub password: Option<String>,
    child: Option<std::process::Child>,
    dir: TempDir,
}

impl OwnRedis {
    pub fn start() -> OwnRedis {
        Self::start_with(None)
    }

    /// With the default user protected by `password`, as wherever device
    /// ACLs are on (or a revoked device would connect as the default user).
    pub fn start_with_password(password: &str) -> OwnRedis {
        Self::start_with(Some(password.to_owned()))
    }

    /// The default user's URL: with its password, when it has one.
    pub fn admin_url(&self) -> String {
        match &self.password {
            Some(p) => format!("redis://:{p}@127.0.0.1:{}", self.port),
            None => self.url(),
        }
    }

    fn start_with(password: Option<String>) -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let mut r = OwnRedis {
            port,
            password,
            child: None,
            dir: tempfile::tempdir().expect("dir"),
        };
        r.restart();
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn restart(&mut self) {
        let mut cmd = std::process::Command::new("redis-server");
        if let Some(p) = &self.password {
            cmd.args(["--requirepass", p]);
        }
        let child = cmd
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        self.child = Some(child);
        // Ready when it answers PING (bounded: 10 s).
        let client = redis::Client::open(self.admin_url()).expect("url");
        for _ in 0..200 {
            if let Ok(mut c) = client.get_connection_with_timeout(Duration::from_millis(50))
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server on port {} did not start", self.port);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
