//! Infrastructure: the database, Redis (commands and Pub/Sub), key names,
//! telemetry and media files. Nothing here knows a feature or the state.

pub mod db;
pub mod keys;
pub mod media;
pub mod pubsub;
pub mod ratelimit;
pub mod redis;
pub mod telemetry;
