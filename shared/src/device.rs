//! Kitchen displays: registering, pairing with a one-time code, what a
//! paired display receives, and the state it reports.

use serde::{Deserialize, Serialize};

use crate::{DeviceId, RestaurantId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: DeviceId,
    pub name: String,
    pub station: String,
    pub revoked: bool,
    /// Unix time in milliseconds.
    pub created_at: i64,
    /// When the device last showed it was alive (its kitchen socket opened
    /// or was checked, or it reported its printer), Unix milliseconds.
    #[serde(default)]
    pub last_seen_at: Option<i64>,
    /// Its printer as it last reported it (`None`: never reported).
    #[serde(default)]
    pub printer: Option<DevicePrinter>,
}

/// A kitchen device's printer, as the device reports it
/// (`POST /api/v1/admin/devices/status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DevicePrinter {
    Ready,
    PaperOut,
    CoverOpen,
    Error,
    Offline,
    /// The device has no printer: tickets are only shown.
    NotConfigured,
}

impl DevicePrinter {
    pub fn as_str(self) -> &'static str {
        match self {
            DevicePrinter::Ready => "ready",
            DevicePrinter::PaperOut => "paper_out",
            DevicePrinter::CoverOpen => "cover_open",
            DevicePrinter::Error => "error",
            DevicePrinter::Offline => "offline",
            DevicePrinter::NotConfigured => "not_configured",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            DevicePrinter::Ready,
            DevicePrinter::PaperOut,
            DevicePrinter::CoverOpen,
            DevicePrinter::Error,
            DevicePrinter::Offline,
            DevicePrinter::NotConfigured,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// What a kitchen device reports of itself.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceStatus {
    pub printer: DevicePrinter,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    pub name: String,
    #[serde(default = "crate::menu::default_station")]
    pub station: String,
}

/// Returned once, when a device is registered: the token is not stored in
/// clear and cannot be shown again.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceCreated {
    pub id: DeviceId,
    pub name: String,
    pub station: String,
    pub token: String,
    /// Its own Redis user, when the server gives each device one
    /// (`REDIS_DEVICE_ACL`); shown once, like the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis: Option<DeviceRedis>,
}

/// Ask for a one-time code that pairs a new kitchen display
/// (`POST /api/v1/admin/devices/pairing-codes`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPairingCode {
    /// The name the device will have in the list.
    pub name: String,
    #[serde(default = "crate::menu::default_station")]
    pub station: String,
}

/// A pairing code: typed on the display (`kds pair --code`), valid once,
/// until `expires_at`. Stored only hashed: shown this once.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairingCode {
    /// Eight digits.
    pub code: String,
    /// Unix time in milliseconds.
    pub expires_at: i64,
    /// Seconds it is valid for from now (for a countdown that does not
    /// depend on the browser's clock).
    pub expires_in_secs: u64,
    pub name: String,
    pub station: String,
}

/// What a display sends to pair (`POST /api/v1/devices/pair`, no token).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    pub code: String,
}

/// Everything a paired display needs to run; the token and the Redis
/// password are not stored in clear on the server and cannot be shown again.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairedDevice {
    pub id: DeviceId,
    pub name: String,
    /// The device's bearer token for the admin API and `/ws/kitchen`.
    pub token: String,
    pub restaurant_id: RestaurantId,
    /// Its consumer group on the kitchen stream.
    pub station: String,
    /// Its stable consumer name in the group.
    pub consumer: String,
    /// Base URL of the admin API (`http://host:port`).
    pub api_url: String,
    /// Base URL of the WebSocket role (`ws://host:port`).
    pub ws_url: String,
    pub redis: DeviceRedis,
}

/// How a device reaches Redis.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceRedis {
    /// `redis://host:port`, without credentials; on a cluster its seed
    /// nodes, comma-separated.
    pub url: String,
    /// The Redis is a Redis Cluster.
    #[serde(default)]
    pub cluster: bool,
    /// The prefix of every key (`qrorder_shared::keys`).
    pub prefix: String,
    /// The device's own ACL user and its password, when the server makes
    /// one per device; `None`: the URL's (or Redis' default) user.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}
