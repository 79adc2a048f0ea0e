//! Device integration tests: real Redis, a virtual printer over TCP, the
//! real server for status sync (`admin`), a silent stand-in API for the
//! stream tests. The stream, crash, status-sync (`admin`) and void tests
//! run each display on its own Redis ACL user against a redis-server of the
//! test's own (`acl_redis`; with the real server: `acl_server`).
//! One binary so linking happens once.

#![allow(clippy::unwrap_used)]

mod acl;
mod acl_redis;
mod admin;
mod crash;
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
