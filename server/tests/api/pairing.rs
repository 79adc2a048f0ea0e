//! Pairing a kitchen display with a one-time code: the code works once,
//! expires, and guessing is rate-limited per client address and per
//! restaurant (429 with Retry-After, never a 5xx).

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, expect_error, expect_status};
use crate::on_both_backends;

impl TestApp {
    /// A pairing code made by the owner: (code, answer).
    pub async fn pairing_code(&self, name: &str, station: &str) -> (String, Value) {
        let res = self
            .admin(Method::POST, "/devices/pairing-codes", &self.owner)
            .json(&json!({ "name": name, "station": station }))
            .send()
            .await
            .expect("POST pairing-codes");
        assert_eq!(
            res.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        let body = expect_status(res, StatusCode::CREATED).await;
        (body["code"].as_str().expect("code").to_owned(), body)
    }

    pub async fn pair(&self, code: &str) -> Response {
        self.client
            .post(self.url("/api/v1/devices/pair"))
            .json(&json!({ "code": code }))
            .send()
            .await
            .expect("POST pair")
    }
}

/// A code that is not `code` (and not any other open one, at 1 in 10^8).
fn wrong(code: &str, n: u32) -> String {
    let c: u32 = code.parse().expect("digits");
    format!("{:08}", (c + 1 + n) % 100_000_000)
}

on_both_backends! {
    async fn a_code_pairs_a_display_once_with_everything_it_needs(app: TestApp) {
        let (code, made) = app.pairing_code("Grill screen", "grill").await;
        assert!(code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()), "{made}");
        assert_eq!(made["expires_in_secs"], 600);
        let expires_at = made["expires_at"].as_i64().expect("expires_at");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64;
        assert!((expires_at - now - 600_000).abs() < 30_000, "ten minutes from now: {made}");

        // Typed with a space in the middle, as people do.
        let res = app.pair(&format!("{} {}", &code[..4], &code[4..])).await;
        assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        let paired = expect_status(res, StatusCode::CREATED).await;
        assert_eq!(paired["name"], "Grill screen");
        assert_eq!(paired["station"], "grill");
        assert_eq!(paired["restaurant_id"], app.seed.restaurant_id.0);
        assert_eq!(paired["api_url"], "http://qr.test");
        assert_eq!(paired["ws_url"], "ws://qr.test");
        assert_eq!(paired["redis"]["url"], app.config.redis_url.as_str());
        assert_eq!(paired["redis"]["prefix"], app.config.redis_prefix.as_str());
        assert!(paired["redis"]["username"].is_null(), "no ACL user unless REDIS_DEVICE_ACL: {paired}");
        let id = paired["id"].as_i64().expect("id");
        assert_eq!(paired["consumer"], format!("device-{id}"));

        // The token is a device's: it reads what the kitchen reads.
        let token = paired["token"].as_str().expect("token");
        app.get_json("/orders?status=placed", token).await;
        let devices = app.get_json("/devices", &app.owner).await;
        let listed = devices.as_array().expect("list").iter().find(|d| d["id"] == id).expect("listed");
        assert_eq!((listed["name"].as_str(), listed["revoked"].as_bool()), (Some("Grill screen"), Some(false)));

        // Once only.
        expect_error(app.pair(&code).await, StatusCode::NOT_FOUND, "pairing_code_invalid").await;
    }

    async fn an_expired_code_does_not_pair(app: TestApp) {
        let (code, _) = app.pairing_code("Bar screen", "bar").await;
        sqlx::query("UPDATE device_pairing_codes SET expires_at = expires_at - 600001")
            .execute(&app.db.pool).await.expect("age the code");
        expect_error(app.pair(&code).await, StatusCode::NOT_FOUND, "pairing_code_invalid").await;
        let devices = app.get_json("/devices", &app.owner).await;
        assert!(devices.as_array().expect("list").iter().all(|d| d["name"] != "Bar screen"), "{devices}");
    }

    async fn twenty_five_wrong_codes_from_one_address_get_429_with_retry_after_and_no_5xx(app: TestApp) {
        let (code, _) = app.pairing_code("Pass screen", "kitchen").await;
        let mut statuses = Vec::new();
        let mut retry_after = None;
        for n in 0..25 {
            let res = app.pair(&wrong(&code, n)).await;
            let status = res.status();
            assert!(!status.is_server_error(), "attempt {n}: {status}");
            if status == StatusCode::TOO_MANY_REQUESTS {
                retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                let body = expect_error(res, status, "too_many_attempts").await;
                assert_eq!(body["details"]["limit"], "client", "{body}");
            } else {
                expect_error(res, StatusCode::NOT_FOUND, "pairing_code_invalid").await;
            }
            statuses.push(status.as_u16());
        }
        let first_429 = statuses.iter().position(|s| *s == 429).expect("some 429");
        assert_eq!(first_429, app.config.pairing_attempts_per_client as usize, "{statuses:?}");
        assert!(statuses[first_429..].iter().all(|s| *s == 429), "{statuses:?}");
        let retry_after = retry_after.expect("Retry-After on a 429");
        assert!((1..=600).contains(&retry_after), "{retry_after}");
        // This address's budget is spent: even the right code waits.
        let res = app.pair(&code).await;
        expect_error(res, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    }

    async fn staff_cannot_make_pairing_codes(app: TestApp) {
        let staff = app.staff().await;
        let res = app.admin(Method::POST, "/devices/pairing-codes", &staff)
            .json(&json!({ "name": "Rogue screen", "station": "kitchen" })).send().await.expect("post");
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app.admin(Method::POST, "/devices/pairing-codes", &app.owner)
            .json(&json!({ "name": "Bad station", "station": "Main Kitchen" })).send().await.expect("post");
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    }
}

/// Guesses from many addresses (here: a client budget too large to stop
/// them) still run into the restaurant's budget: past it, its open code is
/// void, and the right code no longer pairs.
mod wrong_codes_beyond_the_restaurants_budget_void_its_open_code {
    use super::*;

    async fn run(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            c.pairing_attempts_per_client = 1000;
            c.pairing_attempts_per_restaurant = 3;
        })
        .await;
        let (code, _) = app.pairing_code("Pass screen", "kitchen").await;
        for n in 0..3 {
            expect_error(
                app.pair(&wrong(&code, n)).await,
                StatusCode::NOT_FOUND,
                "pairing_code_invalid",
            )
            .await;
        }
        let res = app.pair(&wrong(&code, 3)).await;
        assert!(
            res.headers().get("retry-after").is_some(),
            "{:?}",
            res.headers()
        );
        let body = expect_error(res, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
        assert_eq!(body["details"]["limit"], "restaurant", "{body}");
        expect_error(
            app.pair(&code).await,
            StatusCode::NOT_FOUND,
            "pairing_code_invalid",
        )
        .await;
        // A new code works (nothing is open to guess at while it is made).
        let (fresh, _) = app.pairing_code("Pass screen", "kitchen").await;
        expect_status(app.pair(&fresh).await, StatusCode::CREATED).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run(Backend::Postgres).await
    }
}
