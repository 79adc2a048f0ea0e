//! Device integration tests: real Redis, a virtual printer over TCP, a
//! stand-in for the admin API. One binary so linking happens once.

#![allow(clippy::unwrap_used)]

mod admin;
mod stream;
mod support;
