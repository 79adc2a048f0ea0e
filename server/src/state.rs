//! The state every handler is given: configuration, the database, Redis,
//! key names, metrics and this instance's Pub/Sub hub. It sits above the
//! infrastructure and below every feature: features import it, it imports
//! no feature.

use std::ops::Deref;
use std::sync::Arc;

use crate::config::Config;
use crate::infra::batch::Batch;
use crate::infra::cache::Caches;
use crate::infra::db::Db;
use crate::infra::keys::Keys;
use crate::infra::pubsub::hub::Hub;
use crate::infra::pubsub::notify::Notify;
use crate::infra::redis::Redis;
use crate::infra::sockets::SocketCounts;
use crate::infra::telemetry::Metrics;

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub redis: Redis,
    pub keys: Keys,
    pub metrics: Metrics,
    /// Tables by token, restaurants and menus (see `infra::cache`).
    pub caches: Caches,
    /// Outbox rows put on their stream, to be marked published together.
    pub published: Batch<i64>,
    /// The ws role's rooms and Pub/Sub connection.
    pub hub: Arc<Hub>,
    /// The diner sockets this instance holds, per client and per table.
    pub sockets: SocketCounts,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Config, db: Db) -> anyhow::Result<Self> {
        anyhow::ensure!(
            !(config.redis_cluster && config.redis_device_acl),
            "redis_device_acl is not supported on a Redis Cluster yet: turn one of them off"
        );
        let redis = Redis::new(
            &config.redis_url,
            config.redis_ca_file.as_deref(),
            config.redis_cluster,
        )?;
        let keys = Keys::new(&config.redis_prefix);
        let hub = Hub::new(redis.target.clone(), keys.clone());
        let caches = Caches::new(std::time::Duration::from_millis(config.cache_ttl_ms));
        Ok(Self(Arc::new(Inner {
            config,
            db,
            redis,
            keys,
            metrics: Metrics::new(),
            caches,
            published: Batch::default(),
            hub,
            sockets: SocketCounts::default(),
        })))
    }

    pub fn public_base_url(&self) -> String {
        self.config.public_base_url()
    }

    /// Announces events to the ws role (best effort, over Pub/Sub).
    pub fn notify(&self) -> Notify<'_> {
        Notify::new(&self.redis, &self.keys, &self.caches)
    }
}
