//! The Redis handle for commands (Pub/Sub has its own connection, in
//! `pubsub::hub`), and the client both are made from: `redis://`, or
//! `rediss://` (TLS, rustls) trusting the system's roots or a CA file.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Redis for commands: one multiplexed `ConnectionManager`, made on first
/// use, so that the server starts (and reports not-ready) while Redis is down.
pub struct Redis {
    pub client: redis::Client,
    manager: tokio::sync::Mutex<Option<ConnectionManager>>,
    /// When the last first-connect failed: callers within a second of it
    /// fail at once instead of queueing for another attempt each.
    last_failure: std::sync::Mutex<Option<Instant>>,
}

/// The client for `url`; with `ca_file` (PEM) a `rediss://` URL trusts
/// only the CAs in it. A CA file with a plain `redis://` URL is refused:
/// it would silently not be used.
pub fn client(url: &str, ca_file: Option<&Path>) -> anyhow::Result<redis::Client> {
    // rustls needs its crypto chosen once per process (ring; already
    // chosen is fine).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(ca_file) = ca_file else {
        return redis::Client::open(url).with_context(|| format!("invalid Redis URL `{url}`"));
    };
    anyhow::ensure!(
        url.starts_with("rediss://"),
        "redis_ca_file is set but the Redis URL is not rediss:// (TLS)"
    );
    let pem = std::fs::read(ca_file)
        .with_context(|| format!("cannot read redis_ca_file {}", ca_file.display()))?;
    let certs = redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(pem),
    };
    redis::Client::build_with_tls(url, certs).with_context(|| {
        format!(
            "invalid Redis URL, or redis_ca_file {} holds no PEM certificate",
            ca_file.display()
        )
    })
}

impl Redis {
    pub fn new(url: &str, ca_file: Option<&Path>) -> anyhow::Result<Self> {
        let client = client(url, ca_file)?;
        Ok(Self {
            client,
            manager: tokio::sync::Mutex::new(None),
            last_failure: std::sync::Mutex::new(None),
        })
    }

    pub async fn conn(&self) -> redis::RedisResult<ConnectionManager> {
        let mut manager = self.manager.lock().await;
        if let Some(m) = manager.as_ref() {
            return Ok(m.clone());
        }
        let recently_failed = self
            .last_failure
            .lock()
            .map(|f| f.is_some_and(|at| at.elapsed() < Duration::from_secs(1)))
            .unwrap_or(false);
        if recently_failed {
            return Err(redis::RedisError::from(std::io::Error::new(
                std::io::ErrorKind::NotConnected,
                "Redis was unreachable a moment ago",
            )));
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2);
        let m = tokio::time::timeout(
            Duration::from_secs(3),
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut)))
        .and_then(|r| r);
        match m {
            Ok(m) => {
                *manager = Some(m.clone());
                Ok(m)
            }
            Err(e) => {
                if let Ok(mut f) = self.last_failure.lock() {
                    *f = Some(Instant::now());
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_needs_a_tls_url_and_must_be_readable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca = dir.path().join("ca.pem");
        let plain = client("redis://127.0.0.1:6379", Some(&ca)).expect_err("plain URL");
        assert!(plain.to_string().contains("not rediss://"), "{plain:#}");
        let missing = client("rediss://127.0.0.1:6379", Some(&ca)).expect_err("no file");
        assert!(
            missing.to_string().contains("cannot read redis_ca_file"),
            "{missing:#}"
        );
        assert!(client("rediss://127.0.0.1:6379", None).is_ok());
    }
}
