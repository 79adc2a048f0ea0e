//! The database: one `sqlx::Any` pool over SQLite or PostgreSQL, the
//! migrations of each, and the few helpers every store module shares.
//!
//! Queries are written once, in the SQL both backends accept (`$1`
//! placeholders, `RETURNING`, integers for flags and times).

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Once};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite's one writer at a time, in this process (see `sqlite_writer`).
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl Db {
    /// Connects; for `sqlite:` URLs the file (and its folder) is created if missing.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let (backend, url) = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.trim_start_matches("//");
            let file = path.split('?').next().unwrap_or(path);
            if let Some(dir) = Path::new(file)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create database folder {}", dir.display()))?;
            }
            let sep = if path.contains('?') { '&' } else { '?' };
            (Backend::Sqlite, format!("sqlite://{path}{sep}mode=rwc"))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_owned())
        } else {
            anyhow::bail!("unsupported database URL `{url}`: expected sqlite:PATH or postgres://…");
        };

        let options = AnyConnectOptions::from_str(&url).context("invalid database URL")?;
        let pool = AnyPoolOptions::new()
            // SQLite allows one writer at a time; a small pool keeps waits short.
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to the {backend:?} database"))?;
        Ok(Db {
            pool,
            backend,
            writer: Arc::default(),
        })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("database migration failed")
    }

    /// On SQLite, this process's turn to write (held until the
    /// transaction ends): writers queue here, in order, instead of polling
    /// the file's lock (`busy_timeout` sleeps up to 100 ms between tries).
    /// Take it before a connection, never while holding one, and never
    /// twice. On PostgreSQL, `None`: row locks do this.
    pub async fn sqlite_writer(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

/// `n` numbered placeholders from `$first`, comma-separated (`$3, $4, $5`):
/// an `IN (…)` list or one row of a multi-row `VALUES`.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Now, as stored: Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Flags are stored as 0/1 in both backends.
pub fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// Reads a JSON column into its type; a broken value is a server error.
pub fn from_json<T: serde::de::DeserializeOwned>(
    column: &str,
    text: &str,
) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: Box::new(e),
    })
}

/// Writes a value into a JSON column.
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Our DTOs serialise infallibly (string keys, no maps with non-string keys).
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// True when `e` is a unique-constraint violation, on either backend.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.kind() == sqlx::error::ErrorKind::UniqueViolation
                || db
                    .code()
                    .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}
