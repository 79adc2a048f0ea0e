//! HTTP plumbing every feature shares: the error body and the extractors
//! that answer with it.

pub mod error;
pub mod extract;
