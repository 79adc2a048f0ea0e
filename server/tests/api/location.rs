use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, expect_error, expect_status, random_suffix};
use crate::on_both_backends;

const LAT: f64 = 37.5663;
const LON: f64 = 126.9779;

fn now_ms() -> i64 {
    qrorder::infra::db::now_ms()
}

/// A fix `north_m` metres north of the restaurant.
fn fix(north_m: f64, accuracy_m: f64) -> serde_json::Value {
    json!({ "lat": LAT + north_m / 111_195.0, "lon": LON, "accuracy_m": accuracy_m, "at": now_ms() - 3_000 })
}

async fn order_with(
    app: &TestApp,
    location: Option<serde_json::Value>,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let token = app.table_token(0);
    let mut body = app.order_body(&token, &[(8, 1)]).await;
    if let Some(l) = location {
        body["location"] = l;
    }
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/tables/{token}/orders")))
        .header("idempotency-key", random_suffix())
        .json(&body);
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.expect("POST order")
}

async fn refused(res: reqwest::Response, reason: &str) {
    let err = expect_error(res, StatusCode::FORBIDDEN, "outside_restaurant").await;
    assert_eq!(err["details"]["reason"], reason, "{err}");
}

/// `POST /location/check` from the test's address (127.0.0.1).
async fn check(app: &TestApp, location: Option<serde_json::Value>) -> serde_json::Value {
    let res = app
        .admin(reqwest::Method::POST, "/location/check", &app.owner)
        .json(&json!({ "location": location }))
        .send()
        .await
        .expect("check");
    expect_status(res, StatusCode::OK).await
}

on_both_backends! {
    async fn the_check_sees_this_browsers_address_offers_its_network_and_explains_a_refusal_as_the_order_would(app: TestApp) {
        app.patch_restaurant(json!({ "location_policy": "network", "network_cidrs": ["192.0.2.0/24"] })).await;
        let seen = check(&app, None).await;
        assert_eq!((seen["client_address"].as_str(), seen["suggested_network"].as_str()), (Some("127.0.0.1"), Some("127.0.0.0/24")));
        assert_eq!((seen["network_ok"].as_bool(), seen["allowed"].as_bool()), (Some(false), Some(false)));
        let order = expect_error(order_with(&app, None, None).await, StatusCode::FORBIDDEN, "outside_restaurant").await;
        assert_eq!(seen["refusal"], order, "the same answer as the order");
        // "Allow the network I am on now", then the order goes through.
        app.patch_restaurant(json!({ "network_cidrs": ["192.0.2.0/24", seen["suggested_network"]] })).await;
        let now = check(&app, None).await;
        assert_eq!((now["network_ok"].as_bool(), now["allowed"].as_bool()), (Some(true), Some(true)));
        assert!(now["refusal"].is_null());
        expect_status(order_with(&app, None, None).await, StatusCode::CREATED).await;
        // GPS: judged like an order's fix, with the distance.
        app.patch_restaurant(json!({ "location_policy": "network_and_gps", "lat": LAT, "lon": LON, "radius_m": 80 })).await;
        let far = check(&app, Some(fix(5_000.0, 10.0))).await;
        assert_eq!((far["network_ok"].as_bool(), far["gps_ok"].as_bool(), far["allowed"].as_bool()), (Some(true), Some(false), Some(false)));
        assert!((far["distance_m"].as_f64().expect("distance") - 5_000.0).abs() < 5.0, "{far}");
        let order = expect_error(order_with(&app, Some(fix(5_000.0, 10.0)), None).await, StatusCode::FORBIDDEN, "outside_restaurant").await;
        assert_eq!(far["refusal"]["details"], order["details"]);
        let near = check(&app, Some(fix(30.0, 10.0))).await;
        assert_eq!((near["gps_ok"].as_bool(), near["allowed"].as_bool()), (Some(true), Some(true)));
        let device = app.device().await.1;
        let res = app.admin(reqwest::Method::POST, "/location/check", &device).json(&json!({})).send().await.expect("check");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    }

    async fn orders_from_outside_the_network_are_403_and_forged_forwarded_for_is_ignored(app: TestApp) {
        app.patch_restaurant(json!({ "location_policy": "network", "network_cidrs": ["192.0.2.0/24", "2001:db8::/32"] })).await;
        refused(order_with(&app, None, None).await, "not_on_restaurant_network").await;
        // The test talks from 127.0.0.1, which is not a trusted proxy: its header is a forgery.
        refused(order_with(&app, None, Some("192.0.2.5")).await, "not_on_restaurant_network").await;
        app.patch_restaurant(json!({ "trusted_proxies": ["127.0.0.1"] })).await;
        expect_status(order_with(&app, None, Some("192.0.2.5")).await, StatusCode::CREATED).await;
        expect_status(order_with(&app, None, Some("2001:db8::7")).await, StatusCode::CREATED).await;
        refused(order_with(&app, None, Some("203.0.113.1")).await, "not_on_restaurant_network").await;
        // A client cannot hide behind a prepended "local" hop.
        refused(order_with(&app, None, Some("192.0.2.5, 203.0.113.1")).await, "not_on_restaurant_network").await;
        let orders = app.get_json("/orders", &app.owner).await;
        assert_eq!(orders.as_array().map(Vec::len), Some(2), "only the two accepted orders exist");
    }

    async fn gps_policy_accepts_30_m_and_refuses_5_km_missing_stale_and_vague_fixes(app: TestApp) {
        app.patch_restaurant(json!({ "location_policy": "gps", "lat": LAT, "lon": LON, "radius_m": 100 })).await;
        let info = app.table_info(&app.table_token(0)).await;
        assert_eq!(info["location"]["gps_required"], true);
        refused(order_with(&app, Some(fix(5_000.0, 10.0)), None).await, "too_far").await;
        refused(order_with(&app, None, None).await, "location_required").await;
        let mut stale = fix(10.0, 10.0);
        stale["at"] = json!(now_ms() - 10 * 60_000);
        refused(order_with(&app, Some(stale), None).await, "location_required").await;
        refused(order_with(&app, Some(fix(10.0, 2_000.0)), None).await, "location_inaccurate").await;
        expect_status(order_with(&app, Some(fix(30.0, 15.0)), None).await, StatusCode::CREATED).await;
    }

    async fn network_and_gps_needs_both_and_network_or_gps_either(app: TestApp) {
        app.patch_restaurant(json!({ "location_policy": "network_and_gps", "network_cidrs": ["127.0.0.0/8"],
                                     "lat": LAT, "lon": LON, "radius_m": 100 })).await;
        refused(order_with(&app, None, None).await, "location_required").await;
        refused(order_with(&app, Some(fix(5_000.0, 10.0)), None).await, "too_far").await;
        expect_status(order_with(&app, Some(fix(30.0, 10.0)), None).await, StatusCode::CREATED).await;
        app.patch_restaurant(json!({ "network_cidrs": ["192.0.2.0/24"] })).await;
        refused(order_with(&app, Some(fix(30.0, 10.0)), None).await, "not_on_restaurant_network").await;

        app.patch_restaurant(json!({ "location_policy": "network_or_gps" })).await;
        refused(order_with(&app, None, None).await, "location_required").await;
        refused(order_with(&app, Some(fix(5_000.0, 10.0)), None).await, "too_far").await;
        expect_status(order_with(&app, Some(fix(30.0, 10.0)), None).await, StatusCode::CREATED).await;
        app.patch_restaurant(json!({ "network_cidrs": ["127.0.0.0/8"] })).await;
        expect_status(order_with(&app, None, None).await, StatusCode::CREATED).await;
    }

    async fn coordinates_off_the_globe_are_422_not_wrapped_onto_the_restaurant(app: TestApp) {
        app.patch_restaurant(json!({ "location_policy": "gps", "lat": LAT, "lon": LON, "radius_m": 100 })).await;
        // 397.5663 is the restaurant's latitude plus a full turn: the
        // haversine alone would call it 0 m away.
        for (lat, lon, field) in [(LAT + 360.0, LON, "location.lat"), (LAT, LON + 360.0, "location.lon"),
                                  (-90.5, LON, "location.lat"), (LAT, -180.5, "location.lon")] {
            let fix = json!({ "lat": lat, "lon": lon, "accuracy_m": 10.0, "at": now_ms() - 3_000 });
            let err = expect_error(order_with(&app, Some(fix), None).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_location").await;
            assert_eq!(err["details"]["field"], field, "{err}");
        }
        // Whatever the policy: a fix that is sent must be a point on Earth.
        app.patch_restaurant(json!({ "location_policy": "network", "network_cidrs": ["127.0.0.0/8"] })).await;
        let fix = json!({ "lat": LAT + 360.0, "lon": LON, "accuracy_m": 10.0, "at": now_ms() - 3_000 });
        expect_error(order_with(&app, Some(fix), None).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_location").await;
        assert_eq!(app.get_json("/orders", &app.owner).await, json!([]), "nothing was ordered");
        // The edges themselves are places.
        let pole = json!({ "lat": 90.0, "lon": -180.0, "accuracy_m": 10.0, "at": now_ms() - 3_000 });
        expect_status(order_with(&app, Some(pole), None).await, StatusCode::CREATED).await;

        // The restaurant's own position is checked the same way.
        for (patch, field) in [(json!({ "lat": 397.0 }), "lat"), (json!({ "lon": -486.9779 }), "lon")] {
            let res = app.admin(reqwest::Method::PATCH, "/restaurant", &app.owner).json(&patch).send().await.expect("PATCH");
            let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
            assert_eq!(err["details"]["field"], field, "{err}");
        }
    }
}
