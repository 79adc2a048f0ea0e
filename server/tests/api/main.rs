//! API tests: the real application on a random port, a fresh database per
//! test (SQLite file or PostgreSQL database), its own Redis key prefix.
//! Every test body runs twice, once per backend (see `on_both_backends!`).

mod helpers;

mod auth;
mod billing;
mod cli;
mod device_acl;
mod errors;
mod floor;
mod hub;
mod kitchen;
mod location;
mod logins;
mod media;
mod menu;
mod openapi;
mod ops;
mod orders;
mod outbox;
mod pairing;
mod payments;
mod reports;
mod restaurant;
mod seated;
mod tables;
mod users;
mod voids;
mod ws;
mod ws_caps;
