use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_status};
use crate::on_both_backends;

on_both_backends! {
    async fn owner_changes_settings_and_cidrs_are_normalised(app: TestApp) {
        let res = app.admin(Method::PATCH, "/restaurant", &app.owner)
            .json(&json!({ "name": "Hanok", "location_policy": "network_and_gps",
                           "network_cidrs": ["192.168.7.9/24", "2001:db8::/32"], "trusted_proxies": ["10.0.0.2"] }))
            .send().await.expect("patch");
        let body = expect_status(res, StatusCode::OK).await;
        assert_eq!(body["network_cidrs"], json!(["192.168.7.0/24", "2001:db8::/32"]));
        assert_eq!(body["trusted_proxies"], json!(["10.0.0.2/32"]));
        assert_eq!(app.get_json("/restaurant", &app.owner).await, body);
    }

    async fn inconsistent_or_invalid_settings_are_422_and_change_nothing(app: TestApp) {
        let before = app.get_json("/restaurant", &app.owner).await;
        for (patch, field) in [
            (json!({ "network_cidrs": ["192.168.1.0/33"] }), "network_cidrs"),
            (json!({ "lat": 123.0 }), "lat"),
            (json!({ "timezone": "somewhere" }), "timezone"),
            (json!({ "location_policy": "network", "network_cidrs": [] }), "location_policy"),
        ] {
            let res = app.admin(Method::PATCH, "/restaurant", &app.owner).json(&patch).send().await.expect("patch");
            let err = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
            assert_eq!(err["details"]["field"], field, "{patch}");
        }
        let res = app.admin(Method::PATCH, "/restaurant", &app.owner)
            .json(&json!({ "location_policy": "everywhere" })).send().await.expect("patch");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        let res = app.admin(Method::PATCH, "/restaurant", &app.owner)
            .json(&json!({ "currency": "XYZ" })).send().await.expect("patch");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        assert_eq!(app.get_json("/restaurant", &app.owner).await, before);
    }

    async fn a_position_is_cleared_with_null_once_no_policy_needs_it(app: TestApp) {
        let patch = |body: serde_json::Value| app.admin(Method::PATCH, "/restaurant", &app.owner).json(&body).send();
        let res = patch(json!({ "location_policy": "gps", "lat": 37.5665, "lon": 126.978, "radius_m": 150 })).await.expect("gps");
        expect_status(res, StatusCode::OK).await;
        // Left out: kept. Null while GPS is the policy: refused, nothing cleared.
        let body = expect_status(patch(json!({ "name": "Hanok" })).await.expect("name"), StatusCode::OK).await;
        assert_eq!((body["lat"].as_f64(), body["radius_m"].as_i64()), (Some(37.5665), Some(150)));
        let err = expect_error(patch(json!({ "lat": null })).await.expect("clear lat"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert_eq!(err["details"]["field"], "location_policy", "{err}");
        assert_eq!(app.get_json("/restaurant", &app.owner).await["lat"].as_f64(), Some(37.5665));
        // Under a network policy the position goes away.
        let res = patch(json!({ "location_policy": "network", "network_cidrs": ["127.0.0.0/8"],
                                "lat": null, "lon": null, "radius_m": null })).await.expect("clear");
        let body = expect_status(res, StatusCode::OK).await;
        assert_eq!((&body["lat"], &body["lon"], &body["radius_m"]), (&json!(null), &json!(null), &json!(null)), "{body}");
        assert_eq!(app.get_json("/restaurant", &app.owner).await, body);
    }

    async fn staff_read_settings_but_cannot_change_them(app: TestApp) {
        let staff = app.staff().await;
        let settings = app.get_json("/restaurant", &staff).await;
        assert_eq!(settings["currency"], "KRW");
        let res = app.admin(Method::PATCH, "/restaurant", &staff).json(&json!({ "name": "Mine" })).send().await.expect("patch");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
}
