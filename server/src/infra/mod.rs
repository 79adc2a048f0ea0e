//! Infrastructure: the database, Redis (commands and Pub/Sub), key names,
//! telemetry, media files, per-process caches, batched writes, rate limits and socket
//! caps. Nothing here knows a feature or the state.

pub mod batch;
pub mod cache;
pub mod db;
pub mod keys;
pub mod media;
pub mod pubsub;
pub mod ratelimit;
pub mod redis;
pub mod sockets;
pub mod telemetry;
