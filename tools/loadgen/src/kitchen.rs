//! A kitchen-like consumer of the restaurant's stream, timing each
//! accepted order to its entry.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct KitchenReport {
    /// Accepted orders whose entry the consumer read before it stopped.
    pub delivered: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Where the kitchen-like consumer reads: the server's Redis and the
/// stream the seed names (`kitchen_stream` of `seed-demo --json`).
pub struct Kitchen {
    pub redis_url: String,
    pub stream: String,
}

/// A kitchen-like consumer: a consumer group of its own on the stream,
/// created at its end before the load starts, reading with XREADGROUP
/// BLOCK as the kitchen display does, until the load is over and the
/// stream has been quiet for a moment (bounded).
pub(crate) struct KitchenConsumer {
    task: tokio::task::JoinHandle<anyhow::Result<HashMap<i64, Instant>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

pub(crate) const KITCHEN_GROUP: &str = "qrorder-loadgen";

impl KitchenConsumer {
    pub(crate) async fn start(k: Kitchen, duration: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(k.redis_url.as_str())?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        // A group of its own from the stream's end: only this run's orders.
        destroy_group(&mut conn, &k.stream).await;
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&k.stream)
            .arg(KITCHEN_GROUP)
            .arg("$")
            .arg("MKSTREAM")
            .query_async::<()>(&mut conn)
            .await
            .context("XGROUP CREATE for the kitchen consumer")?;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        // Bounded: the load's duration and 30 s more at most.
        let give_up = Instant::now() + duration + Duration::from_secs(30);
        let task = tokio::spawn(async move {
            let mut delivered = HashMap::new();
            let mut quiet_since: Option<Instant> = None;
            while Instant::now() < give_up {
                let reply: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
                    .arg("GROUP")
                    .arg(KITCHEN_GROUP)
                    .arg("bench")
                    .arg("COUNT")
                    .arg(100)
                    .arg("BLOCK")
                    .arg(100)
                    .arg("STREAMS")
                    .arg(&k.stream)
                    .arg(">")
                    .query_async(&mut conn)
                    .await?;
                let at = Instant::now();
                let mut read = 0;
                for key in &reply.keys {
                    for entry in &key.ids {
                        read += 1;
                        let id: Option<i64> = entry.get("order_id");
                        if let Some(id) = id {
                            delivered.entry(id).or_insert(at);
                        }
                    }
                }
                if stopped.load(Ordering::Relaxed) {
                    // After the load: stop once a second passed without entries.
                    if read > 0 {
                        quiet_since = None;
                    } else if quiet_since.get_or_insert(at).elapsed() > Duration::from_secs(1) {
                        break;
                    }
                }
            }
            destroy_group(&mut conn, &k.stream).await;
            Ok(delivered)
        });
        Ok(Self { task, stop })
    }

    pub(crate) async fn finish(self) -> anyhow::Result<HashMap<i64, Instant>> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await?
    }
}

/// Removes the consumer's group (left behind by an earlier run, or its own
/// once done); there being none is fine.
async fn destroy_group(conn: &mut redis::aio::MultiplexedConnection, stream: &str) {
    let _: redis::RedisResult<()> = redis::cmd("XGROUP")
        .arg("DESTROY")
        .arg(stream)
        .arg(KITCHEN_GROUP)
        .query_async(conn)
        .await;
}
