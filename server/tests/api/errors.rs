use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::expect_error;
use crate::on_both_backends;

on_both_backends! {
    async fn malformed_bodies_get_4xx_with_the_error_body(app: TestApp) {
        let patch = |body: &'static str| app.admin(Method::PATCH, "/menu-items/1", &app.owner)
            .header("content-type", "application/json").body(body).send();
        expect_error(patch("{\"version\": 1,").await.expect("r"), StatusCode::BAD_REQUEST, "invalid_json").await;
        expect_error(patch("[]").await.expect("r"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        expect_error(patch("{\"version\": \"one\"}").await.expect("r"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        expect_error(patch("{\"price_minor\": 5}").await.expect("r"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        expect_error(patch("{\"version\": 1, \"colour\": 5}").await.expect("r"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body").await;
        let res = app.admin(Method::PATCH, "/menu-items/1", &app.owner).body("{\"version\": 1}").send().await.expect("r");
        expect_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
        let item = app.get_json("/menu-items/1", &app.owner).await;
        assert_eq!(item["version"], 1, "nothing changed");
    }

    async fn an_oversize_body_is_413_and_nothing_is_created(app: TestApp) {
        let huge = "x".repeat(app.config.body_limit_bytes + 1);
        let res = app.admin(Method::POST, "/tables", &app.owner).json(&json!({ "name": huge })).send().await.expect("r");
        expect_error(res, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;
        let tables = app.get_json("/tables", &app.owner).await;
        assert_eq!(tables.as_array().map(Vec::len), Some(app.seed.tables.len()));
    }

    async fn unknown_routes_methods_and_bad_ids_get_the_error_body(app: TestApp) {
        let res = app.client.get(app.url("/api/v1/admin/nothing-here")).send().await.expect("r");
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        let res = app.admin(Method::PUT, "/restaurant", &app.owner).send().await.expect("r");
        expect_error(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
        let res = app.admin(Method::GET, "/menu-items/abc", &app.owner).send().await.expect("r");
        expect_error(res, StatusCode::BAD_REQUEST, "invalid_path").await;
        let res = app.admin(Method::GET, "/menu-items/999999", &app.owner).send().await.expect("r");
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        let res = app.admin(Method::GET, "/orders?limit=lots", &app.owner).send().await.expect("r");
        expect_error(res, StatusCode::BAD_REQUEST, "invalid_query").await;
        let res = app.client.get(app.url(&format!("/ws/tables/{}", app.table_token(0)))).send().await.expect("r");
        let status = res.status();
        assert!(status.is_client_error(), "{status}");
        expect_error(res, status, "websocket_required").await;
    }
}
