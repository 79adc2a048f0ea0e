//! Wire types every QR Order part speaks: ids, money, the API's DTOs and its
//! error body. serde only — this crate does no I/O, so the kitchen device and
//! the printer can depend on it without pulling in the server.

pub mod admin;
pub mod bill;
pub mod device;
pub mod error;
pub mod ids;
pub mod keys;
pub mod location;
pub mod menu;
pub mod money;
pub mod order;
pub mod payment;
pub mod report;
pub mod service;
pub mod stream;
pub mod text;
pub mod ws;

pub use error::ErrorBody;
pub use ids::*;
pub use money::{Currency, Money};
pub use text::LocalizedText;
