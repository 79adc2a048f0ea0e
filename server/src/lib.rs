//! The QR Order server. One library, one binary (`qrorder`); the roles
//! (`client-api`, `admin-api`, `ws`) run in one process or as separate
//! instances. See `docs/ARCHITECTURE.md` for the map.

pub mod app;
pub mod auth;
pub mod bench;
pub mod billing;
pub mod cart;
pub mod cli;
pub mod config;
pub mod db;
pub mod devices;
pub mod error;
pub mod extract;
pub mod keys;
pub mod location;
pub mod media;
pub mod menu;
pub mod ops;
pub mod orders;
pub mod page;
pub mod restaurant;
pub mod seed;
pub mod tables;
pub mod telemetry;
pub mod users;
pub mod ws;
