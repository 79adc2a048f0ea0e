//! The Redis handle for commands (Pub/Sub has its own connection, in
//! `pubsub::hub`).

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

impl Redis {
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let client =
            redis::Client::open(url).with_context(|| format!("invalid Redis URL `{url}`"))?;
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
