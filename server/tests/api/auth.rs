use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, expect_error, expect_status};
use crate::on_both_backends;

on_both_backends! {
    async fn wrong_password_is_refused_with_401(app: TestApp) {
        let res = app.client.post(app.url("/api/v1/admin/login"))
            .json(&json!({ "email": app.seed.owner.email, "password": "not-it-at-all" }))
            .send().await.expect("request");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let res = app.client.post(app.url("/api/v1/admin/login"))
            .json(&json!({ "email": "nobody@example.com", "password": "whatever-123" }))
            .send().await.expect("request");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    async fn the_login_answer_is_never_cached(app: TestApp) {
        let res = app.client.post(app.url("/api/v1/admin/login"))
            .json(&json!({ "email": app.seed.owner.email, "password": app.seed.owner.password }))
            .send().await.expect("request");
        assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"), "{:?}", res.headers());
        let body = expect_status(res, StatusCode::OK).await;
        assert!(body["token"].is_string(), "{body}");
    }

    async fn requests_without_or_with_a_bad_token_get_401(app: TestApp) {
        let res = app.client.get(app.url("/api/v1/admin/menu-items")).send().await.expect("request");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let res = app.admin(Method::GET, "/menu-items", "qro_s_0000").send().await.expect("request");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let res = app.client.get(app.url("/api/v1/admin/menu-items"))
            .header("authorization", "Basic b3duZXI6cHc=").send().await.expect("request");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }

    async fn login_is_case_insensitive_on_email_and_logout_ends_the_session(app: TestApp) {
        let token = app.login(&app.seed.owner.email.to_uppercase(), &app.seed.owner.password).await;
        app.get_json("/restaurant", &token).await;
        let res = app.admin(Method::POST, "/logout", &token).send().await.expect("logout");
        expect_status(res, StatusCode::NO_CONTENT).await;
        let res = app.admin(Method::GET, "/restaurant", &token).send().await.expect("request");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        // Other sessions of the same user live on.
        app.get_json("/restaurant", &app.owner).await;
    }

    async fn devices_get_their_own_token_which_stops_working_when_revoked(app: TestApp) {
        let (id, token) = app.device().await;
        let menu = app.get_json("/menu-items", &token).await;
        assert!(menu.as_array().is_some_and(|m| m.len() >= 12), "devices read the menu: {menu}");
        let res = app.admin(Method::POST, &format!("/devices/{id}/revoke"), &app.owner).send().await.expect("revoke");
        let body = expect_status(res, StatusCode::OK).await;
        assert_eq!(body["revoked"], true);
        let res = app.admin(Method::GET, "/menu-items", &token).send().await.expect("request");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let list = app.get_json("/devices", &app.owner).await;
        assert!(list.to_string().find(&token).is_none(), "tokens are never listed");
    }

    async fn devices_cannot_edit_the_menu_or_manage_anything(app: TestApp) {
        let (_, token) = app.device().await;
        let item = app.get_json("/menu-items/1", &app.owner).await;
        let res = app.admin(Method::PATCH, &format!("/menu-items/{}", item["id"]), &token)
            .json(&json!({ "version": item["version"], "available": false })).send().await.expect("patch");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app.admin(Method::POST, "/tables", &token).json(&json!({ "name": "T9" })).send().await.expect("post");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app.admin(Method::POST, "/devices", &token).json(&json!({ "name": "x" })).send().await.expect("post");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        let after = app.get_json("/menu-items/1", &app.owner).await;
        assert_eq!(after["available"], true);
    }
}

mod login_attempts_beyond_the_limit_get_429_with_retry_after {
    use super::*;

    async fn run(backend: crate::helpers::Backend) {
        let app = TestApp::spawn_with(backend, |c| c.login_attempts_per_window = 3).await;
        // The owner's own login in spawn gave its attempt back (it was right):
        // three wrong ones use the budget up.
        for _ in 0..3 {
            let res = app
                .client
                .post(app.url("/api/v1/admin/login"))
                .json(&json!({ "email": app.seed.owner.email, "password": "wrong-password" }))
                .send()
                .await
                .expect("request");
            expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
        // Even the right password is refused now.
        let res = app
            .client
            .post(app.url("/api/v1/admin/login"))
            .json(&json!({ "email": app.seed.owner.email, "password": app.seed.owner.password }))
            .send()
            .await
            .expect("request");
        let retry_after: u64 = res
            .headers()
            .get("retry-after")
            .expect("Retry-After")
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!(retry_after > 0 && retry_after <= app.config.login_window_secs);
        expect_error(res, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(crate::helpers::Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run(crate::helpers::Backend::Postgres).await
    }
}
