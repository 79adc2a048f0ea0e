//! The Redis handle for commands (Pub/Sub has its own connection, in
//! `pubsub::hub`), and the client both are made from: `redis://`, or
//! `rediss://` (TLS, rustls) trusting the system's roots or a CA file.
//! One Redis, or a Redis Cluster (`redis_cluster`, the URL a comma-separated
//! list of seed nodes): callers get a [`RedisConn`] either way and send the
//! same commands; only Pub/Sub differs (sharded on the cluster).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};

/// Where commands and subscriptions go.
#[derive(Clone)]
pub enum Target {
    Single(redis::Client),
    /// The seed nodes, and the CA file for `rediss://` ones.
    Cluster(ClusterSeeds),
}

#[derive(Clone)]
pub struct ClusterSeeds {
    pub urls: Vec<String>,
    pub root_cert: Option<Vec<u8>>,
}

impl ClusterSeeds {
    /// A client of the cluster; the hub adds RESP3 and its push sender.
    pub fn builder(&self) -> redis::cluster::ClusterClientBuilder {
        let mut b = ClusterClient::builder(self.urls.clone())
            .connection_timeout(Duration::from_secs(2))
            .response_timeout(Duration::from_secs(2))
            .retries(3);
        if let Some(pem) = &self.root_cert {
            b = b.certs(redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(pem.clone()),
            });
        }
        b
    }
}

/// A connection for commands: to one Redis, or to the cluster (routing each
/// command, or pipeline of one slot, to the node that owns its keys and
/// following MOVED/ASK and failovers).
#[derive(Clone)]
pub enum RedisConn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl RedisConn {
    pub fn is_cluster(&self) -> bool {
        matches!(self, RedisConn::Cluster(_))
    }

    /// `PING`: to the one Redis, or to any one node of the cluster (every
    /// node would make one shard's failover every restaurant's outage).
    pub async fn ping(&mut self) -> redis::RedisResult<()> {
        use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
        match self {
            RedisConn::Single(c) => redis::cmd("PING").query_async(c).await,
            RedisConn::Cluster(c) => c
                .route_command(
                    redis::cmd("PING"),
                    RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random),
                )
                .await
                .map(drop),
        }
    }

    /// The command that publishes on a channel: `SPUBLISH` on the cluster
    /// (sharded: the channel lives on the node of its slot, so fan-out
    /// grows with the shards), `PUBLISH` on one Redis.
    pub fn publish_command(&self) -> &'static str {
        if self.is_cluster() {
            "SPUBLISH"
        } else {
            "PUBLISH"
        }
    }
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            RedisConn::Single(c) => c.req_packed_command(cmd),
            RedisConn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            RedisConn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            RedisConn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RedisConn::Single(c) => c.get_db(),
            RedisConn::Cluster(c) => c.get_db(),
        }
    }
}

/// Redis for commands: one multiplexed connection, made on first use, so
/// that the server starts (and reports not-ready) while Redis is down.
pub struct Redis {
    pub target: Target,
    manager: tokio::sync::Mutex<Option<RedisConn>>,
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

/// The seed nodes of `urls` (comma-separated), each checked as a Redis URL.
pub fn cluster_seeds(urls: &str, ca_file: Option<&Path>) -> anyhow::Result<ClusterSeeds> {
    let urls: Vec<String> = urls
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    anyhow::ensure!(
        !urls.is_empty(),
        "redis_cluster is on but the Redis URL names no node"
    );
    for url in &urls {
        // The same checks as one node's URL (scheme, CA file with TLS).
        client(url, ca_file)?;
    }
    let root_cert = match ca_file {
        Some(f) => Some(
            std::fs::read(f)
                .with_context(|| format!("cannot read redis_ca_file {}", f.display()))?,
        ),
        None => None,
    };
    Ok(ClusterSeeds { urls, root_cert })
}

impl Redis {
    /// One Redis at `url`, or with `cluster` the cluster whose seed nodes
    /// `url` lists.
    pub fn new(url: &str, ca_file: Option<&Path>, cluster: bool) -> anyhow::Result<Self> {
        let target = if cluster {
            Target::Cluster(cluster_seeds(url, ca_file)?)
        } else {
            Target::Single(client(url, ca_file)?)
        };
        Ok(Self {
            target,
            manager: tokio::sync::Mutex::new(None),
            last_failure: std::sync::Mutex::new(None),
        })
    }

    pub async fn conn(&self) -> redis::RedisResult<RedisConn> {
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
        let connect = async {
            match &self.target {
                Target::Single(client) => {
                    let config = ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(Duration::from_secs(2)))
                        .set_response_timeout(Some(Duration::from_secs(2)))
                        .set_number_of_retries(2);
                    ConnectionManager::new_with_config(client.clone(), config)
                        .await
                        .map(RedisConn::Single)
                }
                Target::Cluster(seeds) => seeds
                    .builder()
                    .build()?
                    .get_async_connection()
                    .await
                    .map(RedisConn::Cluster),
            }
        };
        let m = tokio::time::timeout(Duration::from_secs(3), connect)
            .await
            .map_err(|_| {
                redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut))
            })
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
    use crate::infra::keys::Keys;
    use qrorder_shared::RestaurantId;
    use redis::cluster_routing::Slot;

    /// On a cluster a Lua script, a pipeline or a sharded channel must
    /// stay in one slot: the keys each one touches, as the callers build
    /// them (a cross-slot script is refused with CROSSSLOT).
    #[test]
    fn the_keys_used_together_share_one_slot() {
        let k = Keys::new("qrorder");
        let r = RestaurantId(42);
        let together: [(&str, Vec<String>); 6] = [
            ("the cart script", vec![k.cart(r, 7), k.visit_channel(r, 7)]),
            (
                "the outbox's publish-once script",
                vec![
                    k.orders_stream(r),
                    k.order_published(r, 9),
                    k.void_published(r, 3),
                ],
            ),
            (
                "the order limits",
                vec![
                    k.order_rate_visit(r, 7),
                    k.order_rate_client(r, "10.0.0.9"),
                    k.order_rate_seen(r, 7, "key"),
                ],
            ),
            (
                "the login limits",
                vec![
                    k.login_rate_pair("a@b.c", "10.0.0.9"),
                    k.login_rate_account("a@b.c"),
                    k.login_rate_client("10.0.0.9"),
                    k.login_rate_device("d"),
                ],
            ),
            (
                "presence",
                vec![
                    k.presence(r, 7),
                    k.presence_told(r, 7),
                    k.presence_settling(r, 7),
                ],
            ),
            (
                "an order's announcements and stream",
                vec![
                    k.visit_channel(r, 7),
                    k.restaurant_channel(r),
                    k.kitchen_channel(r),
                    k.orders_stream(r),
                    k.orders_dead_letter(r),
                    k.service_rate(r, 7),
                    k.pairing_rate_restaurant(r),
                ],
            ),
        ];
        for (what, keys) in together {
            let first = Slot::for_key(&keys[0]);
            for key in &keys {
                assert_eq!(
                    Slot::for_key(key),
                    first,
                    "{what}: {key} is in another slot"
                );
            }
        }
        // Two restaurants may live on different nodes.
        assert_ne!(
            Slot::for_key(k.orders_stream(RestaurantId(1))),
            Slot::for_key(k.orders_stream(RestaurantId(2)))
        );
    }

    #[test]
    fn cluster_seeds_are_each_checked() {
        let seeds = cluster_seeds("redis://127.0.0.1:7000, redis://127.0.0.1:7001", None)
            .expect("two seeds");
        assert_eq!(
            seeds.urls,
            ["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"]
        );
        let e = cluster_seeds(" , ", None).err().expect("no node");
        assert!(e.to_string().contains("names no node"), "{e:#}");
        assert!(cluster_seeds("redis://127.0.0.1:7000,http://x", None).is_err());
    }

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
