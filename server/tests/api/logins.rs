//! The login limits with real sockets from several loopback addresses
//! (127.0.0.2, …: Linux routes all of 127/8 to the loopback) and real Redis:
//! per account, per client address, through a trusted proxy, and the
//! known-device budget that keeps an account's owner in (ASVS 2.2.1).

use std::net::IpAddr;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;

/// A client whose connections come from `127.0.0.{n}`.
fn from_address(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, n]))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

/// One login attempt; its status and body.
async fn attempt(app: &TestApp, client: &reqwest::Client, body: Value) -> (StatusCode, Value) {
    attempt_with(client.post(app.url("/api/v1/admin/login")), body).await
}

/// A login attempt as `request` (headers set); a 429 must say when to retry.
async fn attempt_with(request: reqwest::RequestBuilder, body: Value) -> (StatusCode, Value) {
    let res = request.json(&body).send().await.expect("login request");
    let status = res.status();
    if status == StatusCode::TOO_MANY_REQUESTS {
        assert!(
            res.headers().get("retry-after").is_some(),
            "429 without Retry-After"
        );
    }
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Wrong guesses at `email`, `per_address` from each of `addresses`, in
/// turn; the statuses in order.
async fn guesses(
    app: &TestApp,
    email: &str,
    addresses: &[u8],
    per_address: usize,
) -> Vec<(StatusCode, Value)> {
    let clients: Vec<_> = addresses.iter().map(|n| from_address(*n)).collect();
    let mut out = Vec::new();
    for _ in 0..per_address {
        for c in &clients {
            out.push(
                attempt(
                    app,
                    c,
                    json!({ "email": email, "password": "a wrong guess 123" }),
                )
                .await,
            );
        }
    }
    out
}

on_both_backends! {
    async fn forty_guesses_from_four_addresses_at_one_account_get_429(app: TestApp) {
        let email = app.seed.owner.email.clone();
        let answers = guesses(&app, &email, &[2, 3, 4, 5], 10).await;
        let refused: Vec<_> = answers.iter().filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS).collect();
        let wrong = answers.iter().filter(|(s, _)| *s == StatusCode::UNAUTHORIZED).count();
        assert_eq!(wrong, app.config.login_account_attempts as usize, "the account's budget, then refusals");
        assert_eq!(refused.len(), 40 - wrong);
        let (_, body) = refused[0];
        assert_eq!(body["code"], "too_many_attempts", "{body}");
        assert_eq!(body["details"]["limit"], "account", "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("account")), "{body}");
        // The right password from a fifth address is refused too: it is the
        // account that is out of attempts.
        let (status, _) = attempt(&app, &from_address(6), json!({ "email": email, "password": app.seed.owner.password })).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }

    async fn thirty_emails_from_one_address_get_429(app: TestApp) {
        let client = from_address(7);
        let mut statuses = Vec::new();
        for i in 0..30 {
            let email = format!("nobody-{i}@example.com");
            statuses.push(attempt(&app, &client, json!({ "email": email, "password": "a wrong guess 123" })).await);
        }
        let wrong = statuses.iter().filter(|(s, _)| *s == StatusCode::UNAUTHORIZED).count();
        assert_eq!(wrong, app.config.login_client_attempts as usize);
        let (status, body) = statuses.last().expect("30 answers");
        assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body["details"]["limit"], "client", "{body}");
        // Another address is not held up by this one.
        let (status, _) = attempt(&app, &from_address(8), json!({ "email": "nobody-0@example.com", "password": "a wrong guess 123" })).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn after_a_stranger_exhausts_an_account_its_owner_with_a_known_device_still_logs_in(app: TestApp) {
        let owner = json!({ "email": app.seed.owner.email, "password": app.seed.owner.password });
        let browser = from_address(9);
        let (status, first) = attempt(&app, &browser, owner.clone()).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        let device = first["device_token"].as_str().expect("a device token").to_owned();
        // A successful login gives its attempt back: logging in often costs nothing.
        for _ in 0..5 {
            let (status, _) = attempt(&app, &browser, owner.clone()).await;
            assert_eq!(status, StatusCode::OK);
        }
        // A stranger (three addresses) uses up the account's attempts.
        let answers = guesses(&app, &app.seed.owner.email, &[10, 11, 12], 9).await;
        assert_eq!(answers.last().map(|(s, _)| *s), Some(StatusCode::TOO_MANY_REQUESTS));
        // Without the device token the owner is locked out, like anyone…
        let (status, _) = attempt(&app, &browser, owner.clone()).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        // …with it, not; and the token is kept (renewed), not replaced.
        let mut with_device = owner.clone();
        with_device["device_token"] = json!(device);
        let (status, body) = attempt(&app, &browser, with_device.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["device_token"], json!(device));
        app.get_json("/restaurant", body["token"].as_str().expect("token")).await;
        // A stranger who shows a made-up device token is still a stranger.
        let mut forged = owner.clone();
        forged["device_token"] = json!(format!("qro_k_{}", "0".repeat(64)));
        let (status, _) = attempt(&app, &from_address(13), forged).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        // The device's own budget is limited too.
        let mut wrong_with_device = with_device.clone();
        wrong_with_device["password"] = json!("a wrong guess 123");
        let mut statuses = Vec::new();
        for _ in 0..app.config.login_device_attempts + 1 {
            statuses.push(attempt(&app, &browser, wrong_with_device.clone()).await.0);
        }
        assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    }
}

mod behind_a_trusted_proxy_two_clients_have_separate_budgets_and_forged_headers_buy_none {
    use super::*;

    async fn run(backend: crate::helpers::Backend) {
        // Only 127.0.0.20 is the deployment's proxy.
        let app = TestApp::spawn_with(backend, |c| {
            c.trusted_proxies = vec!["127.0.0.20".into()];
            c.login_client_attempts = 3;
        })
        .await;
        let proxy = from_address(20);
        let through = |client: &str, i: usize| {
            let request = proxy
                .post(app.url("/api/v1/admin/login"))
                .header("x-forwarded-for", client);
            (
                request,
                json!({ "email": format!("someone-{i}@example.com"), "password": "a wrong guess 123" }),
            )
        };
        let mut a = Vec::new();
        for i in 0..4 {
            let (request, body) = through("198.51.100.1", i);
            a.push(attempt_with(request, body).await.0);
        }
        assert_eq!(
            a,
            [
                StatusCode::UNAUTHORIZED,
                StatusCode::UNAUTHORIZED,
                StatusCode::UNAUTHORIZED,
                StatusCode::TOO_MANY_REQUESTS
            ],
            "client A's own budget"
        );
        let (request, body) = through("198.51.100.2", 9);
        assert_eq!(
            attempt_with(request, body).await.0,
            StatusCode::UNAUTHORIZED,
            "client B is not A"
        );

        // Not a trusted proxy: its X-Forwarded-For is ignored, whatever it says.
        let untrusted = from_address(21);
        let mut statuses = Vec::new();
        for i in 0..5 {
            let request = untrusted
                .post(app.url("/api/v1/admin/login"))
                .header("x-forwarded-for", format!("203.0.113.{i}"));
            let body = json!({ "email": format!("other-{i}@example.com"), "password": "a wrong guess 123" });
            statuses.push(attempt_with(request, body).await.0);
        }
        assert_eq!(
            &statuses[3..],
            [StatusCode::TOO_MANY_REQUESTS; 2],
            "{statuses:?}"
        );
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
