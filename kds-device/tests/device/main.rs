//! Device integration tests: real Redis, a virtual printer over TCP, the
//! real server for status sync (`admin`), a silent stand-in API for the
//! stream tests. Every display here, and in the tap and pairing-screen tests,
//! runs on its own Redis ACL user against a redis-server of the test's own
//! with Redis' default user locked (`common/acl_redis.rs`; with the real
//! server: `acl_server`); the TLS test has its own TLS-only Redis.
//! One binary so linking happens once.

#![allow(clippy::unwrap_used)]

mod acl;
#[path = "../common/acl_redis.rs"]
mod acl_redis;
mod admin;
mod crash;
mod durable;
#[path = "../common/orders.rs"]
mod orders;
mod pairing;
#[path = "../common/server.rs"]
mod server;
mod setup;
mod stream;
mod support;
mod systemd;
mod tls;
mod voids;
