//! Restaurant settings: name, currency, time zone, languages and the
//! location policy that decides whether an order comes from inside.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::State;
use ipnet::IpNet;
use qrorder_shared::admin::{OrderLimits, Restaurant, RestaurantPatch, Role};
use qrorder_shared::location::LocationPolicy;
use qrorder_shared::{Currency, RestaurantId};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::infra::db::{Db, flag, from_json, to_json};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_restaurant, patch_restaurant))
}

/// The caller's restaurant.
#[utoipa::path(get, path = "/restaurant", tag = "restaurant", security(("bearer" = [])),
    responses((status = 200, body = Restaurant), (status = 401, body = qrorder_shared::ErrorBody)))]
async fn get_restaurant(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Restaurant>> {
    Ok(Json(load(&state.db, caller.restaurant_id).await?))
}

/// Change settings (owner only). Fields left out stay as they are; the
/// result must be consistent: a policy that needs GPS needs `lat`, `lon`
/// and `radius_m`, one that needs the network needs `network_cidrs`.
#[utoipa::path(patch, path = "/restaurant", tag = "restaurant", security(("bearer" = [])),
    request_body = RestaurantPatch,
    responses((status = 200, body = Restaurant), (status = 403, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
async fn patch_restaurant(
    State(state): State<AppState>,
    caller: Caller,
    Json(patch): Json<RestaurantPatch>,
) -> ApiResult<Json<Restaurant>> {
    caller.require(&[Role::Owner], "change restaurant settings")?;
    let mut r = load(&state.db, caller.restaurant_id).await?;
    if let Some(name) = patch.name {
        r.name = name;
    }
    if let Some(c) = patch.currency {
        r.currency = c;
    }
    if let Some(tz) = patch.timezone {
        r.timezone = tz;
    }
    if let Some(l) = patch.languages {
        r.languages = l;
    }
    if let Some(p) = patch.location_policy {
        r.location_policy = p;
    }
    if let Some(n) = patch.network_cidrs {
        r.network_cidrs = n;
    }
    if let Some(t) = patch.trusted_proxies {
        r.trusted_proxies = t;
    }
    r.lat = patch.lat.unwrap_or(r.lat);
    r.lon = patch.lon.unwrap_or(r.lon);
    r.radius_m = patch.radius_m.unwrap_or(r.radius_m);
    r.tax_rate_bp = patch.tax_rate_bp.unwrap_or(r.tax_rate_bp);
    r.tax_included = patch.tax_included.unwrap_or(r.tax_included);
    if let Some(kinds) = patch.service_kinds {
        r.service_kinds = kinds;
    }
    r.order_limits = patch.order_limits.unwrap_or(r.order_limits);
    let r = validate(r)?;
    bind_settings(
        sqlx::query(
            "UPDATE restaurants SET name = $1, currency = $2, timezone = $3, languages = $4, \
             location_policy = $5, network_cidrs = $6, trusted_proxies = $7, lat = $8, lon = $9, \
             radius_m = $10, tax_rate_bp = $11, tax_included = $12, service_kinds = $13, \
             order_visit_burst = $14, order_visit_per_minute = $15, order_client_burst = $16, \
             order_client_per_minute = $17 WHERE id = $18",
        ),
        &r,
    )
    .bind(r.id.0)
    .execute(&state.db.pool)
    .await?;
    Ok(Json(r))
}

/// The largest value of each order limit (a limit, not a switch: to
/// "turn it off", set it high).
pub const MAX_ORDER_LIMIT: u32 = 10_000;

/// Checks and normalises settings (CIDRs written canonically).
pub fn validate(mut r: Restaurant) -> ApiResult<Restaurant> {
    r.name = r.name.trim().to_owned();
    if r.name.is_empty() || r.name.chars().count() > 100 {
        return Err(ApiError::invalid("name", "must be 1 to 100 characters"));
    }
    if !is_timezone_name(&r.timezone) {
        return Err(ApiError::invalid(
            "timezone",
            "must be an IANA zone name such as `Asia/Seoul` or `UTC`",
        ));
    }
    if r.languages.is_empty() {
        return Err(ApiError::invalid(
            "languages",
            "needs at least one language",
        ));
    }
    let langs =
        qrorder_shared::LocalizedText(r.languages.iter().map(|l| (l.clone(), l.clone())).collect());
    if let Some(problem) = langs.problem(100) {
        return Err(ApiError::invalid("languages", problem));
    }
    r.network_cidrs = parse_networks("network_cidrs", &r.network_cidrs)?
        .iter()
        .map(IpNet::to_string)
        .collect();
    r.trusted_proxies = parse_networks("trusted_proxies", &r.trusted_proxies)?
        .iter()
        .map(IpNet::to_string)
        .collect();
    if let Some(lat) = r.lat.filter(|l| !(-90.0..=90.0).contains(l)) {
        return Err(ApiError::invalid(
            "lat",
            format!("{lat} is not a latitude (-90 to 90)"),
        ));
    }
    if let Some(lon) = r.lon.filter(|l| !(-180.0..=180.0).contains(l)) {
        return Err(ApiError::invalid(
            "lon",
            format!("{lon} is not a longitude (-180 to 180)"),
        ));
    }
    if let Some(radius) = r.radius_m.filter(|m| !(10..=50_000).contains(m)) {
        return Err(ApiError::invalid(
            "radius_m",
            format!("{radius} m is outside 10 to 50000 m"),
        ));
    }
    if r.tax_rate_bp > 10_000 {
        return Err(ApiError::invalid(
            "tax_rate_bp",
            "must be 0 to 10000 (basis points: 1000 = 10 %)",
        ));
    }
    // Each kind once, in the one order the page shows them.
    r.service_kinds.sort();
    r.service_kinds.dedup();
    let l = r.order_limits;
    for (field, value) in [
        ("order_limits.visit_burst", l.visit_burst),
        ("order_limits.visit_per_minute", l.visit_per_minute),
        ("order_limits.client_burst", l.client_burst),
        ("order_limits.client_per_minute", l.client_per_minute),
    ] {
        if !(1..=MAX_ORDER_LIMIT).contains(&value) {
            return Err(ApiError::invalid(
                field,
                format!("{value} is outside 1 to {MAX_ORDER_LIMIT} orders"),
            ));
        }
    }
    if r.location_policy.needs_gps() && (r.lat.is_none() || r.lon.is_none() || r.radius_m.is_none())
    {
        return Err(ApiError::invalid(
            "location_policy",
            format!(
                "`{}` needs lat, lon and radius_m",
                r.location_policy.as_str()
            ),
        ));
    }
    if r.location_policy.needs_network() && r.network_cidrs.is_empty() {
        return Err(ApiError::invalid(
            "location_policy",
            format!(
                "`{}` needs at least one of network_cidrs",
                r.location_policy.as_str()
            ),
        ));
    }
    Ok(r)
}

/// `192.168.0.0/24`, `fd00::/8`, or a single address (`10.0.0.7` = /32).
pub fn parse_networks(field: &str, values: &[String]) -> ApiResult<Vec<IpNet>> {
    values
        .iter()
        .map(|v| {
            let v = v.trim();
            v.parse::<IpNet>()
                .or_else(|_| v.parse::<IpAddr>().map(IpNet::from))
                .map(|n| n.trunc())
                .map_err(|_| {
                    ApiError::invalid(
                        field,
                        format!("`{v}` is not an IP network such as 192.168.0.0/24"),
                    )
                })
        })
        .collect()
}

/// A zone of the IANA time zone database (bundled, so it works anywhere).
fn is_timezone_name(tz: &str) -> bool {
    jiff::tz::TimeZone::get(tz).is_ok()
}

/// `load` through this process's cache (`infra::cache`), for the diners'
/// requests; staff's requests read the database.
pub async fn cached(state: &AppState, id: RestaurantId) -> ApiResult<Arc<Restaurant>> {
    state
        .caches
        .restaurants
        .get_or_load(id, async { load(&state.db, id).await.map(Arc::new) })
        .await
}

pub async fn load(db: &Db, id: RestaurantId) -> ApiResult<Restaurant> {
    let row = sqlx::query(
        "SELECT id, name, currency, timezone, languages, location_policy, network_cidrs, \
         trusted_proxies, lat, lon, radius_m, tax_rate_bp, tax_included, service_kinds, \
         order_visit_burst, order_visit_per_minute, order_client_burst, order_client_per_minute \
         FROM restaurants WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| ApiError::not_found("restaurant"))?;
    Ok(from_row(&row)?)
}

fn from_row(row: &AnyRow) -> Result<Restaurant, sqlx::Error> {
    let decode_err = |column: &str, e: String| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: e.into(),
    };
    let currency: String = row.try_get("currency")?;
    let policy: String = row.try_get("location_policy")?;
    Ok(Restaurant {
        id: RestaurantId(row.try_get("id")?),
        name: row.try_get("name")?,
        currency: currency
            .parse::<Currency>()
            .map_err(|e| decode_err("currency", e.to_string()))?,
        timezone: row.try_get("timezone")?,
        languages: from_json("languages", &row.try_get::<String, _>("languages")?)?,
        location_policy: LocationPolicy::parse(&policy)
            .ok_or_else(|| decode_err("location_policy", policy.clone()))?,
        network_cidrs: from_json("network_cidrs", &row.try_get::<String, _>("network_cidrs")?)?,
        trusted_proxies: from_json(
            "trusted_proxies",
            &row.try_get::<String, _>("trusted_proxies")?,
        )?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        radius_m: row
            .try_get::<Option<i64>, _>("radius_m")?
            .and_then(|m| u32::try_from(m).ok()),
        tax_rate_bp: u32::try_from(row.try_get::<i64, _>("tax_rate_bp")?).unwrap_or(0),
        tax_included: row.try_get::<i64, _>("tax_included")? != 0,
        service_kinds: from_json("service_kinds", &row.try_get::<String, _>("service_kinds")?)?,
        order_limits: OrderLimits {
            visit_burst: limit(row, "order_visit_burst")?,
            visit_per_minute: limit(row, "order_visit_per_minute")?,
            client_burst: limit(row, "order_client_burst")?,
            client_per_minute: limit(row, "order_client_per_minute")?,
        },
    })
}

fn limit(row: &AnyRow, column: &str) -> Result<u32, sqlx::Error> {
    let v: i64 = row.try_get(column)?;
    u32::try_from(v).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: e.into(),
    })
}

/// Inserts a restaurant (settings validated first) and returns its id.
/// Binds the seventeen settings, as `$1` to `$17`, in column order.
fn bind_settings<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    r: &'q Restaurant,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(&r.name)
        .bind(r.currency.code())
        .bind(&r.timezone)
        .bind(to_json(&r.languages))
        .bind(r.location_policy.as_str())
        .bind(to_json(&r.network_cidrs))
        .bind(to_json(&r.trusted_proxies))
        .bind(r.lat)
        .bind(r.lon)
        .bind(r.radius_m.map(i64::from))
        .bind(i64::from(r.tax_rate_bp))
        .bind(flag(r.tax_included))
        .bind(to_json(&r.service_kinds))
        .bind(i64::from(r.order_limits.visit_burst))
        .bind(i64::from(r.order_limits.visit_per_minute))
        .bind(i64::from(r.order_limits.client_burst))
        .bind(i64::from(r.order_limits.client_per_minute))
}

pub async fn create(db: &Db, r: Restaurant) -> ApiResult<RestaurantId> {
    let r = validate(r)?;
    let id: i64 = bind_settings(
        sqlx::query(
            "INSERT INTO restaurants (name, currency, timezone, languages, location_policy, network_cidrs, \
             trusted_proxies, lat, lon, radius_m, tax_rate_bp, tax_included, service_kinds, \
             order_visit_burst, order_visit_per_minute, order_client_burst, order_client_per_minute, \
             created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
        ),
        &r,
    )
    .bind(crate::infra::db::now_ms())
    .fetch_one(&db.pool)
    .await?
    .try_get("id")?;
    Ok(RestaurantId(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_accept_cidrs_and_bare_addresses_and_refuse_garbage() {
        let nets = parse_networks(
            "n",
            &["192.168.1.7/24".into(), "::1".into(), "10.0.0.1".into()],
        )
        .expect("valid");
        let shown: Vec<String> = nets.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["192.168.1.0/24", "::1/128", "10.0.0.1/32"]);
        assert!(parse_networks("n", &["192.168.1.300/24".into()]).is_err());
        assert!(parse_networks("n", &["wifi".into()]).is_err());
    }

    #[test]
    fn timezone_names_look_like_iana_names() {
        assert!(is_timezone_name("Asia/Seoul"));
        assert!(is_timezone_name("America/Argentina/Buenos_Aires"));
        assert!(is_timezone_name("UTC"));
        assert!(!is_timezone_name("seoul"));
        assert!(!is_timezone_name("Asia/"));
        assert!(!is_timezone_name("Mars/Olympus_Mons"));
    }
}
