//! The body of every error answer: a stable machine-readable `code` and a
//! message a person understands.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable, machine-readable: `stale_version`, `not_found`, `invalid_body`, …
    pub code: String,
    /// For people; may change between versions.
    pub message: String,
    /// Extra machine-readable context (the current version, the fields at fault, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
}

/// Error codes that another part of QR Order branches on, spelled once. Every
/// `code` the server sends is stable; these are the ones our own clients
/// match (the kitchen display), so a typo is a compile error, not a silent
/// mismatch.
pub mod codes {
    /// An order status change not allowed from where the order stands (it
    /// was cancelled, served or moved on elsewhere meanwhile). 409.
    pub const ILLEGAL_TRANSITION: &str = "illegal_transition";
}
