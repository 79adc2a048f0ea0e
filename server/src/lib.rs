//! The QR Order server. One library, one binary (`qrorder`); the roles
//! (`client-api`, `admin-api`, `ws`) run in one process or as separate
//! instances. The modules are floors, each importing only downward (see
//! `docs/ARCHITECTURE.md`): `config`, `http` and `infra`; `state`; the
//! features; `app`; `cli`.

pub mod config;
pub mod http;
pub mod infra;

pub mod state;

pub mod auth;
pub mod billing;
pub mod cart;
pub mod devices;
pub mod location;
pub mod menu;
pub mod ops;
pub mod orders;
pub mod page;
pub mod restaurant;
pub mod seed;
pub mod tables;
pub mod users;
pub mod ws;

pub mod app;
pub mod cli;
