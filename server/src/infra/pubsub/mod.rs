//! Pub/Sub between the roles: the ws instance's hub of rooms, and the
//! events the API roles announce to it.

pub mod hub;
pub mod notify;
