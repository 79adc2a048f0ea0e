//! Redis key and Pub/Sub channel names. They are a contract with the kitchen
//! display, so they are built in `qrorder_shared::keys` (and only there);
//! the server's modules use them through this name.

pub use qrorder_shared::keys::Keys;
