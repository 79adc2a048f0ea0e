use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp, expect_status};
use crate::on_both_backends;

on_both_backends! {
    async fn readyz_says_ready_when_database_and_redis_answer(app: TestApp) {
        let res = app.client.get(app.url("/readyz")).send().await.expect("r");
        let body = expect_status(res, StatusCode::OK).await;
        assert_eq!(body["status"], "ready");
        let res = app.client.get(app.url("/healthz")).send().await.expect("r");
        expect_status(res, StatusCode::OK).await;
    }

    async fn metrics_count_requests_by_route_pattern(app: TestApp) {
        app.get_json("/menu-items/1", &app.owner).await;
        let text = app.client.get(app.url("/metrics")).send().await.expect("r").text().await.expect("text");
        assert!(
            text.lines().any(|l| l.starts_with("qrorder_http_requests_total{")
                && l.contains("route=\"/api/v1/admin/menu-items/{id}\"") && l.contains("status=\"200\"")),
            "{text}"
        );
    }

    async fn the_openapi_document_describes_the_admin_api(app: TestApp) {
        let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.expect("r");
        let doc = expect_status(res, StatusCode::OK).await;
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
        let paths = &doc["paths"];
        for (path, method) in [
            ("/api/v1/admin/login", "post"),
            ("/api/v1/admin/menu-items/{id}", "patch"),
            ("/api/v1/admin/menu-items/{id}/image", "post"),
            ("/api/v1/admin/tables/qr-sheet.pdf", "get"),
            ("/api/v1/admin/restaurant", "patch"),
        ] {
            assert!(paths[path][method].is_object(), "{method} {path} documented");
        }
        assert!(doc["components"]["schemas"]["MenuItemPatch"].is_object());
    }
}

mod readyz_is_503_naming_redis_when_redis_is_unreachable {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        // A port nothing listens on: bind one, then free it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let app = TestApp::spawn_with(Backend::Sqlite, |c| {
            c.redis_url = format!("redis://127.0.0.1:{port}")
        })
        .await;
        let res = app.client.get(app.url("/readyz")).send().await.expect("r");
        let body = expect_status(res, StatusCode::SERVICE_UNAVAILABLE).await;
        assert_eq!(body["status"], "not_ready");
        assert_eq!(body["database"], "ok");
        assert!(
            body["redis"]
                .as_str()
                .is_some_and(|r| r.starts_with("error")),
            "{body}"
        );
    }
}
