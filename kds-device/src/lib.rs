//! The kitchen display device.
//!
//! Controllers, free of UI types, each own one job and send [`event::Event`]s:
//! - [`consumer`]: the station's consumer-group member on the kitchen stream
//!   (own pending first, then new entries, claims, dead letters);
//! - [`print_worker`]: prints, confirms, journals, then XACKs;
//! - [`confirm`]: reports printed orders to the server (end-to-end confirmation);
//! - [`status_sync`] and [`kitchen_ws`]: status changes pushed over `/ws/kitchen`,
//!   open orders reloaded on (re)connect, admin API health; bumps and recalls;
//! - [`gpio`]: buzzer, LED and bump button behind a trait;
//! - [`device`]: spawns them all, plus the clock and the board task;
//! - [`systemd`]: READY / WATCHDOG / STOPPING notifications.
//!
//! [`pairing`] trades a one-time code for the device's credentials (`kds pair`);
//! [`setup`] is what the touch pairing screen of an unpaired display does.
//!
//! [`redis_io`] holds every stream command the controllers send, each one a
//! typed operation that builds it and reads its reply.
//!
//! [`board`] folds events into what the screen shows (plain data); [`ui`]
//! is the one Slint adapter; [`render`] draws the UI without a display.

pub mod api;
pub mod app;
pub mod board;
pub mod config;
pub mod confirm;
pub mod consumer;
pub mod device;
mod entry;
pub mod event;
pub mod gpio;
pub mod journal;
pub mod kitchen_ws;
pub mod pairing;
pub mod print_worker;
pub mod redis_io;
pub mod render;
pub mod setup;
pub mod status_sync;
pub mod systemd;
pub mod ui;

pub use config::Config;
pub use device::{Device, Options};
