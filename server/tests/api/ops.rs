use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp, expect_error, expect_status};
use crate::on_both_backends;

on_both_backends! {
    async fn readyz_says_ready_when_database_and_redis_answer(app: TestApp) {
        let res = app.client.get(app.url("/readyz")).send().await.expect("r");
        let body = expect_status(res, StatusCode::OK).await;
        assert_eq!(body["status"], "ready");
        let res = app.client.get(app.url("/healthz")).send().await.expect("r");
        expect_status(res, StatusCode::OK).await;
    }

    async fn metrics_answer_no_one_without_a_configured_token(app: TestApp) {
        let res = app.client.get(app.url("/metrics")).send().await.expect("r");
        expect_error(res, StatusCode::FORBIDDEN, "metrics_disabled").await;
        let res = app.client.get(app.url("/metrics")).bearer_auth("anything").send().await.expect("r");
        expect_error(res, StatusCode::FORBIDDEN, "metrics_disabled").await;
    }
}

mod metrics_count_requests_by_route_pattern_for_the_metrics_token_only {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = TestApp::spawn_with(Backend::Sqlite, |c| {
            c.metrics_token = Some("scrape-me-7f3a".into())
        })
        .await;
        app.get_json("/menu-items/1", &app.owner).await;
        let res = app.client.get(app.url("/metrics")).send().await.expect("r");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let res = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth("scrape-me-7f3b")
            .send()
            .await
            .expect("r");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let res = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth(&app.owner)
            .send()
            .await
            .expect("r");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let res = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth("scrape-me-7f3a")
            .send()
            .await
            .expect("r");
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.expect("text");
        assert!(
            text.lines()
                .any(|l| l.starts_with("qrorder_http_requests_total{")
                    && l.contains("route=\"/api/v1/admin/menu-items/{id}\"")
                    && l.contains("status=\"200\"")),
            "{text}"
        );
    }
}

on_both_backends! {
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

/// Reads until the server closes the connection (EOF or reset); how long
/// it took, or `None` when it stayed open for `within`.
async fn closed_within(
    s: &mut tokio::net::TcpStream,
    within: std::time::Duration,
) -> Option<std::time::Duration> {
    use tokio::io::AsyncReadExt;
    let started = std::time::Instant::now();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(within, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

async fn connect(app: &TestApp) -> tokio::net::TcpStream {
    let addr = app.base.trim_start_matches("http://").to_owned();
    tokio::net::TcpStream::connect(addr).await.expect("connect")
}

/// GET /healthz on a connection of its own; the status line.
async fn healthz_raw(app: &TestApp) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = connect(app).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = vec![0u8; 512];
    let n = s.read(&mut buf).await.expect("read");
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

mod a_half_sent_request_is_closed_within_the_header_timeout {
    use super::*;
    use tokio::io::AsyncWriteExt;

    async fn run(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| c.header_read_timeout_secs = 1).await;
        let mut s = connect(&app).await;
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("write");
        let took = closed_within(&mut s, std::time::Duration::from_secs(5))
            .await
            .expect("closed, not left open for ever");
        assert!(
            took < std::time::Duration::from_millis(2500),
            "closed after {took:?}"
        );
        // A kept-alive connection left idle after its answer goes the same way.
        let mut s = connect(&app).await;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let took = closed_within(&mut s, std::time::Duration::from_secs(5))
            .await
            .expect("idle connection closed");
        assert!(
            took < std::time::Duration::from_millis(2500),
            "closed after {took:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(Backend::Sqlite).await
    }
}

mod with_the_connection_budget_held_by_idle_clients_healthz_still_answers {
    use super::*;

    async fn run(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            c.max_connections = 50;
            c.reserve_connections = 8;
            c.header_read_timeout_secs = 30;
        })
        .await;
        let idle_ms = std::time::Duration::from_millis(200);
        // Fill the normal budget with clients that say nothing (bounded: 50).
        let mut held = Vec::new();
        for _ in 0..50 {
            held.push(connect(&app).await);
        }
        // The health check is answered (from the reserve), and promptly.
        let status = tokio::time::timeout(std::time::Duration::from_secs(3), healthz_raw(&app))
            .await
            .expect("healthz answered within 3 s");
        assert!(status.contains(" 200 "), "{status}");
        // Idle clients beyond the budget are let go within about a second;
        // those within it are not (their header timeout is 30 s).
        let mut extra = Vec::new();
        for _ in 0..8 {
            extra.push(connect(&app).await);
        }
        for s in &mut extra {
            let took = closed_within(s, std::time::Duration::from_secs(5))
                .await
                .expect("an idle client beyond the budget is closed");
            assert!(
                took < std::time::Duration::from_millis(3000),
                "closed after {took:?}"
            );
        }
        let mut open = 0;
        for s in held.iter_mut().take(10) {
            if closed_within(s, idle_ms).await.is_none() {
                open += 1;
            }
        }
        assert_eq!(open, 10, "the budget's own connections stay open");
        let status = tokio::time::timeout(std::time::Duration::from_secs(3), healthz_raw(&app))
            .await
            .expect("healthz answered within 3 s");
        assert!(status.contains(" 200 "), "{status}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(Backend::Sqlite).await
    }
}
