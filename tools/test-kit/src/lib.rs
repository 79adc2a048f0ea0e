//! The real application (`qrorder`, all roles) spawned in-process on
//! 127.0.0.1:0 for tests: a fresh database (SQLite file or a new
//! PostgreSQL database), its own Redis key prefix, the demo restaurant
//! seeded and its owner logged in. The server's API tests and the kitchen
//! display's tests both start it through here (one copy).

use std::time::Duration;

use qrorder::app::Application;
use qrorder::config::{Config, Roles};
use qrorder::infra::db::Db;
use qrorder::seed::{self, DemoSeed};
use rand::RngCore;
use serde_json::Value;
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server. Dropping it stops serving (the task is aborted);
/// `stop` shuts it down gracefully and waits.
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub config: Config,
    pub seed: DemoSeed,
    /// The demo owner's bearer token.
    pub owner: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: TempDir,
}

pub fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A fresh, empty database URL for `backend` (SQLite: a file in `dir`).
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

/// The configuration `Server::spawn` starts from: `backend`'s fresh
/// database, the test Redis, a random key prefix, port 0.
pub async fn test_config(backend: Backend, dir: &TempDir) -> Config {
    Config {
        database_url: fresh_database(backend, dir).await,
        redis_url: redis_url(),
        redis_prefix: format!("test-{}", random_suffix()),
        listen: "127.0.0.1:0".parse().expect("addr"),
        media_dir: dir.path().join("media"),
        ..Config::default()
    }
}

impl Server {
    /// Spawns the server on `backend` with `test_config`, adjusted first.
    pub async fn spawn(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(backend, &dir).await;
        adjust(&mut config);
        let app = Application::build(config.clone(), Roles::ALL)
            .await
            .expect("application builds");
        let base = format!("http://{}", app.local_addr);
        let db = app.state.db.clone();
        // The seeded tables' URLs: the configured public URL, else this
        // server's bound address.
        let public = config
            .public_base_url
            .clone()
            .unwrap_or_else(|| base.clone());
        let seed = seed::seed_demo(&db, &public).await.expect("demo seed");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let mut server = Server {
            base,
            client,
            db,
            config,
            seed,
            owner: String::new(),
            shutdown: Some(tx),
            task: Some(task),
            _dir: dir,
        };
        let (email, password) = (
            server.seed.owner.email.clone(),
            server.seed.owner.password.clone(),
        );
        server.owner = server.login(&email, &password).await;
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Logs in through the admin API; the session token. Panics unless 200.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self
            .client
            .post(self.url("/api/v1/admin/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("login request");
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(status, reqwest::StatusCode::OK, "login: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Shuts the server down gracefully (as on SIGTERM) and waits for it.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stops cleanly");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Another process of the same deployment: the same database, Redis and
/// key prefix, its own caches and port. Dropping it stops it.
pub struct Instance {
    pub base: String,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts another instance with `roles` beside this one (as a second
    /// process of one deployment would be).
    pub async fn instance(&self, roles: Roles) -> Instance {
        let mut config = self.config.clone();
        config.listen = "127.0.0.1:0".parse().expect("addr");
        let app = Application::build(config, roles)
            .await
            .expect("second instance builds");
        let base = format!("http://{}", app.local_addr);
        let task = tokio::spawn(app.run_until(std::future::pending()));
        Instance { base, task }
    }
}
