//! `TestApp`: the application spawned in-process with a seeded demo
//! restaurant, and the HTTP helpers the tests share.

use std::time::Duration;

use qrorder::app::Application;
use qrorder::config::{Config, Roles};
use qrorder::db::Db;
use qrorder::seed::{self, DemoSeed};
use rand::RngCore;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub config: Config,
    pub seed: DemoSeed,
    /// The demo owner's bearer token.
    pub owner: String,
    _dir: TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
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

pub fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// PostgreSQL server the tests create their databases on.
fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A fresh, empty database URL for `backend`.
pub async fn fresh_database(backend: Backend, dir: &TempDir) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite:{}", dir.path().join("test.db").display()),
        Backend::Postgres => {
            let name = format!("qrorder_test_{}", random_suffix());
            let admin = Db::connect(&postgres_admin_url())
                .await
                .expect("PostgreSQL for tests is reachable");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin.pool)
                .await
                .expect("create test database");
            admin.pool.close().await;
            let admin_url = postgres_admin_url();
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b);
            format!("{base}/{name}")
        }
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like `spawn`, with the configuration adjusted first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        qrorder::telemetry::init_logs(qrorder::config::LogFormat::Pretty);
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            database_url: fresh_database(backend, &dir).await,
            redis_url: redis_url(),
            redis_prefix: format!("test-{}", random_suffix()),
            listen: "127.0.0.1:0".parse().expect("addr"),
            media_dir: dir.path().join("media"),
            public_base_url: Some("http://qr.test".into()),
            ..Config::default()
        };
        adjust(&mut config);
        let app = Application::build(config.clone(), Roles::ALL)
            .await
            .expect("application builds");
        let base = format!("http://{}", app.local_addr);
        let db = app.state.db.clone();
        let seed = seed::seed_demo(&db, &config.public_base_url())
            .await
            .expect("demo seed");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let mut app = TestApp {
            base,
            client,
            db,
            config,
            seed,
            owner: String::new(),
            _dir: dir,
            _shutdown: tx,
        };
        let (email, password) = (
            app.seed.owner.email.clone(),
            app.seed.owner.password.clone(),
        );
        app.owner = app.login(&email, &password).await;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to the admin API (`path` below `/api/v1/admin`) as `token`.
    pub fn admin(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(&format!("/api/v1/admin{path}")))
            .bearer_auth(token)
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self
            .client
            .post(self.url("/api/v1/admin/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("login request");
        let body = expect_status(res, StatusCode::OK).await;
        body["token"].as_str().expect("token").to_owned()
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
