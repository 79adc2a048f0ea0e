//! The QR Order server. One library, one binary (`qrorder`); the roles
//! (`client-api`, `admin-api`, `ws`) run in one process or as separate
//! instances. The modules are floors, each importing only downward (one
//! explained exception, see `docs/ARCHITECTURE.md`): `config`, `http` and `infra`; `state`; the
//! features; `app`; `cli`. Public: what the binary, the test kit and the
//! tests use; the features are reached through `app`'s router.

pub mod config;
mod http;
pub mod infra;

mod state;

mod auth;
mod billing;
pub mod cart;
mod devices;
mod location;
mod menu;
mod ops;
mod orders;
mod page;
mod reports;
mod restaurant;
pub mod seed;
mod service;
mod tables;
mod users;
mod ws;

pub mod app;
pub mod cli;

/// The rules of a kitchen device's own Redis user: the kitchen display's
/// tests run their displays on exactly these.
pub mod device_acl {
    pub use crate::devices::{new_password, password_hash, setuser_rules};
}
