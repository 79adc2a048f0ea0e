//! HTTP plumbing every feature shares: the error body, the extractors
//! that answer with it, and the client's address through trusted proxies.

pub mod client;
pub mod error;
pub mod extract;
