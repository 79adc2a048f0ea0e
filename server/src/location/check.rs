//! `POST /location/check` for the console's settings: the client address
//! the server sees for this browser and how the guard would judge an order
//! from it now — the same checks an order goes through, nothing placed.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use ipnet::IpNet;
use qrorder_shared::ErrorBody;
use qrorder_shared::location::{LocationCheck, LocationCheckResult};

use super::{Refusal, check, check_network, client_of, haversine_m};
use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::infra::db::now_ms;
use crate::restaurant;
use crate::state::AppState;

/// How the location guard judges an order from this browser now (owners
/// and staff; nothing is placed).
#[utoipa::path(post, path = "/location/check", tag = "restaurant", security(("bearer" = [])),
    request_body = LocationCheck,
    responses((status = 200, body = LocationCheckResult), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub(super) async fn check_location(
    State(state): State<AppState>,
    caller: Caller,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LocationCheck>,
) -> ApiResult<Json<LocationCheckResult>> {
    caller.require_people("check the location guard")?;
    let r = restaurant::load(&state.db, caller.restaurant_id).await?;
    let client = client_of(&r, peer, &headers)?;
    let fix = req.location.as_ref();
    // A fix off the globe is refused as an order's would be (422).
    if let Some(fix) = fix {
        super::validate_fix(fix)?;
    }
    let verdict = check(&r, client, fix, now_ms());
    let gps_ok = match (fix, r.lat, r.lon, r.radius_m) {
        (Some(_), Some(_), Some(_), Some(_)) => Some(super::check_fix(&r, fix, now_ms()).is_ok()),
        _ => None,
    };
    let distance_m = match (fix, r.lat, r.lon) {
        (Some(f), Some(lat), Some(lon)) => {
            Some(haversine_m(lat, lon, f.lat, f.lon)).filter(|d| d.is_finite())
        }
        _ => None,
    };
    Ok(Json(LocationCheckResult {
        client_address: client.map(|ip| ip.to_string()),
        suggested_network: client.map(network_of),
        policy: r.location_policy,
        network_ok: check_network(&r, client).is_ok(),
        gps_ok,
        distance_m,
        allowed: verdict.is_ok(),
        refusal: verdict.err().map(refusal_body),
    }))
}

/// The body an order refused for `r` gets.
fn refusal_body(r: Refusal) -> ErrorBody {
    let e = ApiError::from(r);
    ErrorBody {
        code: e.code.to_owned(),
        message: e.message,
        details: e.details,
    }
}

/// The /24 (IPv4) or /64 (IPv6) around an address.
fn network_of(ip: IpAddr) -> String {
    let prefix = if ip.is_ipv4() { 24 } else { 64 };
    IpNet::new(ip, prefix)
        .map(|n| n.trunc().to_string())
        .unwrap_or_else(|_| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_network_offered_is_the_addresses_24_or_64() {
        assert_eq!(
            network_of("192.168.1.37".parse().expect("ip")),
            "192.168.1.0/24"
        );
        assert_eq!(
            network_of("2001:db8:1:2:3::9".parse().expect("ip")),
            "2001:db8:1:2::/64"
        );
    }
}
