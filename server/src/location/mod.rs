//! The location guard: is a request coming from inside the restaurant?
//! Network (the client address in the restaurant's CIDRs, `X-Forwarded-For`
//! believed only through trusted proxies) and GPS (a fresh, accurate fix
//! within the radius), combined by the restaurant's policy. Used by order
//! submission and by the WebSocket join; `check.rs` lets the console ask
//! how an order from its browser would be judged.

mod check;

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, StatusCode};
use ipnet::IpNet;
use qrorder_shared::admin::Restaurant;
use qrorder_shared::location::{GeoFix, LocationPolicy, LocationRequirements};
use serde_json::json;

pub use crate::http::client::client_ip;
use crate::http::error::ApiError;

/// A fix older than this is not proof of where the phone is now.
pub const MAX_FIX_AGE_MS: i64 = 120_000;
/// Clocks of phones drift; a fix this far "in the future" is still fine.
const MAX_FIX_CLOCK_SKEW_MS: i64 = 30_000;
/// The accuracy accepted is the radius, but never stricter than this.
const MIN_ACCEPTED_ACCURACY_M: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Refusal {
    NotOnNetwork,
    TooFar { distance_m: f64 },
    LocationRequired,
    LocationInaccurate,
}

impl Refusal {
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::NotOnNetwork => "not_on_restaurant_network",
            Refusal::TooFar { .. } => "too_far",
            Refusal::LocationRequired => "location_required",
            Refusal::LocationInaccurate => "location_inaccurate",
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        let message = match r {
            Refusal::NotOnNetwork => "Orders can only be placed on the restaurant's Wi-Fi.".to_owned(),
            Refusal::TooFar { distance_m } => {
                format!("Orders can only be placed inside the restaurant (you seem to be {distance_m:.0} m away).")
            }
            Refusal::LocationRequired => {
                "The restaurant needs your current location to accept the order; allow location access and try again."
                    .to_owned()
            }
            Refusal::LocationInaccurate => {
                "Your location is not precise enough; turn on precise location (GPS) and try again.".to_owned()
            }
        };
        ApiError::new(StatusCode::FORBIDDEN, "outside_restaurant", message)
            .with_details(json!({ "reason": r.reason() }))
    }
}

pub fn router() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(check::check_location))
}

/// What the diner's page needs to know to prove its location.
pub fn requirements(r: &Restaurant) -> LocationRequirements {
    LocationRequirements {
        policy: r.location_policy,
        gps_required: matches!(
            r.location_policy,
            LocationPolicy::Gps | LocationPolicy::NetworkAndGps
        ),
        gps_accepted: r.location_policy.needs_gps(),
        max_accuracy_m: max_accuracy_m(r),
    }
}

fn max_accuracy_m(r: &Restaurant) -> u32 {
    r.radius_m.unwrap_or(0).max(MIN_ACCEPTED_ACCURACY_M)
}

/// Applies the restaurant's policy to a client address and an optional fix.
pub fn check(
    r: &Restaurant,
    client: Option<IpAddr>,
    fix: Option<&GeoFix>,
    now_ms: i64,
) -> Result<(), Refusal> {
    let network = || check_network(r, client);
    let gps = || check_fix(r, fix, now_ms);
    match r.location_policy {
        LocationPolicy::Network => network(),
        LocationPolicy::Gps => gps(),
        LocationPolicy::NetworkAndGps => network().and_then(|()| gps()),
        // Off the network, the GPS answer is the useful one (without a fix:
        // `location_required`, so the page asks for it).
        LocationPolicy::NetworkOrGps => network().or_else(|_| gps()),
    }
}

/// The network half of the guard: the client is on one of `network_cidrs`.
/// (The WebSocket join checks only this: GPS comes with the order.)
pub fn check_network(r: &Restaurant, client: Option<IpAddr>) -> Result<(), Refusal> {
    let on_network = client.is_some_and(|ip| {
        r.network_cidrs
            .iter()
            .filter_map(|c| c.parse::<IpNet>().ok())
            .any(|n| n.contains(&ip))
    });
    if on_network {
        Ok(())
    } else {
        Err(Refusal::NotOnNetwork)
    }
}

/// The guard of what a diner does from the table (an order, a service
/// request): the client's address through the trusted proxies and the fix,
/// if sent (a point on the globe, else 422 `invalid_location`), judged by
/// the restaurant's policy — 403 `outside_restaurant` with the reason. Answers
/// the client's address (for the order limits).
pub fn guard(
    r: &Restaurant,
    peer: SocketAddr,
    headers: &HeaderMap,
    fix: Option<&GeoFix>,
    now_ms: i64,
) -> Result<Option<IpAddr>, ApiError> {
    let client = client_of(r, peer, headers)?;
    if let Some(fix) = fix {
        validate_fix(fix)?;
    }
    check(r, client, fix, now_ms)?;
    Ok(client)
}

/// The client's address for a request to restaurant `r`, through its
/// trusted proxies (422 when those settings do not parse).
pub fn client_of(
    r: &Restaurant,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<Option<IpAddr>, ApiError> {
    let trusted = crate::restaurant::parse_networks("trusted_proxies", &r.trusted_proxies)?;
    Ok(client_ip(peer, headers, &trusted))
}

/// A fix must name a point on the globe: latitude −90..90, longitude
/// −180..180, finite (the haversine would wrap `lat: 397.5` onto the
/// restaurant). 422 `invalid_location` otherwise, whatever the policy.
pub fn validate_fix(fix: &GeoFix) -> Result<(), ApiError> {
    let problem = if !(fix.lat.is_finite() && (-90.0..=90.0).contains(&fix.lat)) {
        Some((
            "location.lat",
            format!("{} is not a latitude (-90 to 90)", fix.lat),
        ))
    } else if !(fix.lon.is_finite() && (-180.0..=180.0).contains(&fix.lon)) {
        Some((
            "location.lon",
            format!("{} is not a longitude (-180 to 180)", fix.lon),
        ))
    } else if !fix.accuracy_m.is_finite() {
        Some((
            "location.accuracy_m",
            "must be a number of metres".to_owned(),
        ))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some((field, message)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_location",
            format!("{field}: {message}"),
        )
        .with_details(json!({ "field": field }))),
    }
}

fn check_fix(r: &Restaurant, fix: Option<&GeoFix>, now_ms: i64) -> Result<(), Refusal> {
    let (Some(lat), Some(lon), Some(radius)) = (r.lat, r.lon, r.radius_m) else {
        // Settings validation makes this unreachable for GPS policies.
        return Err(Refusal::LocationRequired);
    };
    let fix = fix.ok_or(Refusal::LocationRequired)?;
    let age = now_ms.saturating_sub(fix.at);
    if !(-MAX_FIX_CLOCK_SKEW_MS..=MAX_FIX_AGE_MS).contains(&age) {
        return Err(Refusal::LocationRequired);
    }
    if !fix.accuracy_m.is_finite()
        || fix.accuracy_m < 0.0
        || fix.accuracy_m > f64::from(max_accuracy_m(r))
    {
        return Err(Refusal::LocationInaccurate);
    }
    let distance_m = haversine_m(lat, lon, fix.lat, fix.lon);
    if !distance_m.is_finite() || distance_m > f64::from(radius) {
        return Err(Refusal::TooFar { distance_m });
    }
    Ok(())
}

/// Great-circle distance in metres.
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrorder_shared::RestaurantId;

    fn restaurant(policy: LocationPolicy) -> Restaurant {
        Restaurant {
            id: RestaurantId(1),
            name: "R".into(),
            currency: "KRW".parse().expect("KRW"),
            timezone: "Asia/Seoul".into(),
            languages: vec!["en".into()],
            location_policy: policy,
            network_cidrs: vec!["192.168.1.0/24".into(), "2001:db8::/32".into()],
            trusted_proxies: vec!["10.0.0.2/32".into()],
            lat: Some(37.5663),
            lon: Some(126.9779),
            radius_m: Some(100),
            tax_rate_bp: 0,
            tax_included: true,
            service_kinds: qrorder_shared::admin::all_service_kinds(),
            order_limits: Default::default(),
        }
    }

    fn fix_at(metres_north: f64, now: i64) -> GeoFix {
        GeoFix {
            lat: 37.5663 + metres_north / 111_195.0,
            lon: 126.9779,
            accuracy_m: 20.0,
            at: now - 5_000,
        }
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // Seoul City Hall to Gangnam Station is about 8.9 km.
        let d = haversine_m(37.5663, 126.9779, 37.4979, 127.0276);
        assert!((8_500.0..9_300.0).contains(&d), "{d}");
    }

    #[test]
    fn each_policy_combines_network_and_gps_as_named() {
        let now = 1_000_000_000;
        let inside = ip("192.168.1.20");
        let outside = ip("203.0.113.9");
        let near = fix_at(30.0, now);
        let far = fix_at(5_000.0, now);
        use LocationPolicy::*;
        let r = restaurant(Network);
        assert_eq!(check(&r, inside, None, now), Ok(()));
        assert_eq!(
            check(&r, outside, Some(&near), now),
            Err(Refusal::NotOnNetwork)
        );
        let r = restaurant(Gps);
        assert_eq!(check(&r, outside, Some(&near), now), Ok(()));
        assert!(matches!(
            check(&r, inside, Some(&far), now),
            Err(Refusal::TooFar { .. })
        ));
        assert_eq!(check(&r, inside, None, now), Err(Refusal::LocationRequired));
        let r = restaurant(NetworkAndGps);
        assert_eq!(check(&r, inside, Some(&near), now), Ok(()));
        assert_eq!(
            check(&r, outside, Some(&near), now),
            Err(Refusal::NotOnNetwork)
        );
        assert!(matches!(
            check(&r, inside, Some(&far), now),
            Err(Refusal::TooFar { .. })
        ));
        let r = restaurant(NetworkOrGps);
        assert_eq!(check(&r, inside, None, now), Ok(()));
        assert_eq!(check(&r, outside, Some(&near), now), Ok(()));
        assert_eq!(
            check(&r, outside, None, now),
            Err(Refusal::LocationRequired)
        );
        assert!(matches!(
            check(&r, outside, Some(&far), now),
            Err(Refusal::TooFar { .. })
        ));
    }

    #[test]
    fn stale_future_and_inaccurate_fixes_are_refused() {
        let now = 1_000_000_000;
        let r = restaurant(LocationPolicy::Gps);
        let mut old = fix_at(10.0, now);
        old.at = now - MAX_FIX_AGE_MS - 1;
        assert_eq!(
            check(&r, None, Some(&old), now),
            Err(Refusal::LocationRequired)
        );
        let mut future = fix_at(10.0, now);
        future.at = now + 60_000;
        assert_eq!(
            check(&r, None, Some(&future), now),
            Err(Refusal::LocationRequired)
        );
        let mut vague = fix_at(10.0, now);
        vague.accuracy_m = 1_500.0;
        assert_eq!(
            check(&r, None, Some(&vague), now),
            Err(Refusal::LocationInaccurate)
        );
        let mut absurd = fix_at(10.0, now);
        absurd.at = i64::MIN;
        assert_eq!(
            check(&r, None, Some(&absurd), now),
            Err(Refusal::LocationRequired)
        );
        vague.accuracy_m = f64::NAN;
        assert_eq!(
            check(&r, None, Some(&vague), now),
            Err(Refusal::LocationInaccurate)
        );
    }
}
