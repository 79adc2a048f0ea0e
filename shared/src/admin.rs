//! Admin API DTOs: login, restaurant settings, users, devices, tables.

use serde::{Deserialize, Serialize};

use crate::location::LocationPolicy;
use crate::service::ServiceKind;
use crate::{Currency, RestaurantId, TableId, UserId};

/// Who a bearer token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Staff,
    Device,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Staff => "staff",
            Role::Device => "device",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Which restaurant's account, when the email has accounts at several
    /// (see the 409 `restaurant_required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restaurant_id: Option<RestaurantId>,
    /// The `device_token` of this browser's last login: its attempts then
    /// have a budget of their own, which strangers' guesses do not use up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub role: Role,
    pub restaurant_id: RestaurantId,
    /// Unix time in milliseconds.
    pub expires_at: i64,
    /// Keep it (long-lived, not a credential) and send it with the next
    /// login from this browser.
    pub device_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Restaurant {
    pub id: RestaurantId,
    pub name: String,
    pub currency: Currency,
    /// IANA zone name, e.g. `Asia/Seoul`.
    pub timezone: String,
    /// Languages the menu is written in, first is the default.
    pub languages: Vec<String>,
    pub location_policy: LocationPolicy,
    /// IPv4/IPv6 networks of the restaurant's Wi-Fi, e.g. `192.168.0.0/24`.
    pub network_cidrs: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub radius_m: Option<u32>,
    /// Tax rate in basis points: 1000 = 10 %.
    pub tax_rate_bp: u32,
    /// Whether menu prices already include the tax (as in Korea and the EU).
    pub tax_included: bool,
    /// What diners can ask for from their table's page (all by default;
    /// none switches the buttons off).
    #[serde(default = "all_service_kinds")]
    pub service_kinds: Vec<ServiceKind>,
    /// How fast orders may be placed (429 `too_many_orders` beyond).
    pub order_limits: OrderLimits,
}

/// Every kind of service request: a restaurant's default.
pub fn all_service_kinds() -> Vec<ServiceKind> {
    ServiceKind::ALL.to_vec()
}

/// The order rate limits of a restaurant: token buckets of `*_burst`
/// orders, refilled at `*_per_minute`. Per table visit (one party), and per
/// client address (one phone, or a whole Wi-Fi behind one NAT address:
/// hence higher). Each value 1 to 10000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderLimits {
    /// Orders a visit may place at once.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub visit_burst: u32,
    /// Orders a visit may place per minute, sustained.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub visit_per_minute: u32,
    /// Orders one client address may place at once, over all tables.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub client_burst: u32,
    /// Orders one client address may place per minute, sustained.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub client_per_minute: u32,
}

impl Default for OrderLimits {
    /// A party of eight ordering one by one, then a round every minute or
    /// two, never meets the visit's limit; a restaurant's Wi-Fi (all its
    /// phones behind one NAT address) gets six times that.
    fn default() -> Self {
        Self {
            visit_burst: 10,
            visit_per_minute: 4,
            client_burst: 60,
            client_per_minute: 30,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RestaurantPatch {
    pub name: Option<String>,
    pub currency: Option<Currency>,
    pub timezone: Option<String>,
    /// At least one; the first is the default.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub languages: Option<Vec<String>>,
    pub location_policy: Option<LocationPolicy>,
    pub network_cidrs: Option<Vec<String>>,
    pub trusted_proxies: Option<Vec<String>>,
    /// `null` clears the restaurant's position (with `lon` and `radius_m`,
    /// for a policy that does not need GPS).
    #[serde(
        default,
        deserialize_with = "crate::menu::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>, nullable))]
    pub lat: Option<Option<f64>>,
    #[serde(
        default,
        deserialize_with = "crate::menu::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>, nullable))]
    pub lon: Option<Option<f64>>,
    #[serde(
        default,
        deserialize_with = "crate::menu::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, nullable))]
    pub radius_m: Option<Option<u32>>,
    pub tax_rate_bp: Option<u32>,
    pub tax_included: Option<bool>,
    pub service_kinds: Option<Vec<ServiceKind>>,
    /// Replaces all four order limits.
    pub order_limits: Option<OrderLimits>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Switched off by an owner: cannot log in, not counted as an owner.
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub name: String,
    /// `owner` or `staff`.
    pub role: Role,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub password: Option<String>,
    /// `true` switches the account off (its sessions end), `false` on again.
    pub disabled: Option<bool>,
}

/// A user changing their own password: `POST /api/v1/admin/me/password`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Table {
    pub id: TableId,
    pub name: String,
    pub active: bool,
    /// The secret in the QR code; rotating it makes old codes useless.
    pub token: String,
    /// What the QR code encodes: `{public_base_url}/t/{token}`.
    pub url: String,
    /// Unix time in milliseconds.
    pub token_rotated_at: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTable {
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TablePatch {
    pub name: Option<String>,
    pub active: Option<bool>,
}
