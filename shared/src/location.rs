//! Where an order may come from: the restaurant's location policy, what a
//! diner's page must prove, the phone's GPS fix and the owner's check of it.

use serde::{Deserialize, Serialize};

/// Which location proofs an order needs, so the page asks for GPS only when
/// the policy requires it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationRequirements {
    pub policy: LocationPolicy,
    /// GPS must be sent (`gps`, `network_and_gps`).
    pub gps_required: bool,
    /// GPS may be sent and helps (`network_or_gps`).
    pub gps_accepted: bool,
    /// Largest GPS accuracy radius accepted, in metres.
    pub max_accuracy_m: u32,
}

/// A GPS fix from the phone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoFix {
    pub lat: f64,
    pub lon: f64,
    /// Radius of uncertainty in metres, as the browser reports it.
    pub accuracy_m: f64,
    /// When the fix was taken, Unix milliseconds.
    pub at: i64,
}

/// Which checks an order must pass to count as placed inside the restaurant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LocationPolicy {
    /// The client address is in one of `network_cidrs`.
    Network,
    /// The phone's GPS position is within `radius_m` of `lat/lon`.
    Gps,
    NetworkOrGps,
    NetworkAndGps,
}

impl LocationPolicy {
    pub fn as_str(&self) -> &'static str {
        match self {
            LocationPolicy::Network => "network",
            LocationPolicy::Gps => "gps",
            LocationPolicy::NetworkOrGps => "network_or_gps",
            LocationPolicy::NetworkAndGps => "network_and_gps",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Network,
            Self::Gps,
            Self::NetworkOrGps,
            Self::NetworkAndGps,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    pub fn needs_network(&self) -> bool {
        !matches!(self, LocationPolicy::Gps)
    }

    pub fn needs_gps(&self) -> bool {
        !matches!(self, LocationPolicy::Network)
    }
}

/// `POST /api/v1/admin/location/check`: how the location guard would judge
/// an order sent from this browser now, without placing one.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LocationCheck {
    /// The browser's fix, as a diner's page would send it with an order.
    #[serde(default)]
    pub location: Option<GeoFix>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationCheckResult {
    /// The client address the server sees, through the trusted proxies;
    /// `None` when a trusted proxy did not say whom it forwards.
    pub client_address: Option<String>,
    /// The network of that address to allow ("the network I am on now"):
    /// its /24 for IPv4, its /64 for IPv6.
    pub suggested_network: Option<String>,
    pub policy: LocationPolicy,
    /// The address is in one of `network_cidrs`.
    pub network_ok: bool,
    /// The fix passes the GPS check; `None` without a fix or a position set.
    pub gps_ok: Option<bool>,
    /// Metres from the restaurant's position, when both are known.
    pub distance_m: Option<f64>,
    /// Whether an order would pass the guard.
    pub allowed: bool,
    /// The refusal an order would get (`outside_restaurant`, its reason and
    /// message), when it would be refused.
    pub refusal: Option<crate::ErrorBody>,
}
