//! End-to-end kitchen confirmation: kitchen displays report the orders they
//! printed; an order is confirmed once every station of its lines that has
//! a display reported it; the relay publishes again what Redis lost before
//! any kitchen confirmed it.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;

use crate::helpers::{Backend, TestApp, expect_error, expect_status};
use crate::on_both_backends;

async fn register(app: &TestApp, station: &str) -> String {
    let res = app
        .admin(Method::POST, "/devices", &app.owner)
        .json(&json!({ "name": format!("{station} screen"), "station": station }))
        .send()
        .await
        .expect("register device");
    expect_status(res, StatusCode::CREATED).await["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

async fn confirm(app: &TestApp, token: &str, ids: &[i64]) -> reqwest::Response {
    app.admin(Method::POST, "/orders/kitchen-confirmations", token)
        .json(&json!({ "order_ids": ids }))
        .send()
        .await
        .expect("confirm")
}

async fn confirmed_at(app: &TestApp, id: i64) -> Value {
    app.get_json(&format!("/orders/{id}"), &app.owner).await["kitchen_confirmed_at"].clone()
}

on_both_backends! {
    async fn an_order_is_confirmed_once_every_station_with_a_display_reported_it(app: TestApp) {
        let (_, kitchen) = app.device().await;
        let bar = register(&app, "bar").await;
        let token = app.table_token(0);
        // Item 9 goes to the bar, item 1 to the kitchen.
        let body = app.order_body(&token, &[(9, 1), (1, 1)]).await;
        let order = expect_status(app.place(&token, &body, "mixed").await, StatusCode::CREATED).await;
        let id = order["id"].as_i64().expect("id");
        assert!(order["kitchen_confirmed_at"].is_null(), "{order}");

        let answer = expect_status(confirm(&app, &kitchen, &[id]).await, StatusCode::OK).await;
        assert_eq!(answer["recorded"], 1);
        assert!(confirmed_at(&app, id).await.is_null(), "the bar has a display and has not reported yet");

        expect_status(confirm(&app, &bar, &[id, id]).await, StatusCode::OK).await;
        let at = confirmed_at(&app, id).await;
        assert!(at.as_i64().is_some_and(|t| t >= order["created_at"].as_i64().expect("created_at")), "{at}");
        // Reported again: nothing changes.
        expect_status(confirm(&app, &kitchen, &[id]).await, StatusCode::OK).await;
        assert_eq!(confirmed_at(&app, id).await, at);

        // Only the kitchen's lines, and no other station has a display
        // that concerns them: the kitchen's report is enough.
        let body = app.order_body(&token, &[(1, 2)]).await;
        let only_kitchen = expect_status(app.place(&token, &body, "kitchen-only").await, StatusCode::CREATED).await;
        let only_kitchen = only_kitchen["id"].as_i64().expect("id");
        expect_status(confirm(&app, &kitchen, &[only_kitchen]).await, StatusCode::OK).await;
        assert!(confirmed_at(&app, only_kitchen).await.is_i64());
    }

    async fn only_kitchen_displays_confirm_and_only_their_restaurants_orders(app: TestApp) {
        let (_, device) = app.device().await;
        let staff = app.staff().await;
        let token = app.table_token(0);
        let body = app.order_body(&token, &[(1, 1)]).await;
        let id = expect_status(app.place(&token, &body, "k").await, StatusCode::CREATED).await["id"].as_i64().expect("id");

        expect_error(confirm(&app, &staff, &[id]).await, StatusCode::FORBIDDEN, "forbidden").await;
        expect_error(confirm(&app, &app.owner, &[id]).await, StatusCode::FORBIDDEN, "forbidden").await;
        expect_error(confirm(&app, "not-a-token", &[id]).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
        expect_error(confirm(&app, &device, &[]).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        let too_many: Vec<i64> = (1..=501).collect();
        expect_error(confirm(&app, &device, &too_many).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        let answer = expect_status(confirm(&app, &device, &[id + 1_000_000]).await, StatusCode::OK).await;
        assert_eq!(answer["recorded"], 0, "an order that is not the restaurant's is not recorded");
        assert!(confirmed_at(&app, id).await.is_null());
    }
}

fn count(ids: &[i64]) -> HashMap<i64, usize> {
    let mut m = HashMap::new();
    for id in ids {
        *m.entry(*id).or_default() += 1;
    }
    m
}

async fn checked_at(app: &TestApp, id: i64) -> i64 {
    sqlx::query("SELECT kitchen_checked_at FROM orders WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("order")
        .try_get("kitchen_checked_at")
        .expect("kitchen_checked_at")
}

/// Redis acknowledged three orders, then lost its data before a kitchen
/// took two of them: the relay publishes those two again, once each, and
/// not the one a kitchen confirmed.
async fn orders_redis_lost_are_published_again_until_a_kitchen_confirms(backend: Backend) {
    let (mut redis, app) =
        TestApp::spawn_on_own_redis(backend, |c| c.kitchen_recheck_ms = 300).await;
    let (_, device) = app.device().await;
    let token = app.table_token(0);
    let body = app.order_body(&token, &[(1, 1)]).await;
    let mut placed = Vec::new();
    for key in ["a", "b", "c"] {
        let order = expect_status(app.place(&token, &body, key).await, StatusCode::CREATED).await;
        placed.push(order["id"].as_i64().expect("id"));
    }
    assert_eq!(
        count(&app.stream_order_ids(3, Duration::from_secs(10)).await),
        placed.iter().map(|id| (*id, 1)).collect()
    );
    expect_status(confirm(&app, &device, &placed[..1]).await, StatusCode::OK).await;

    // Redis comes back without its data (it keeps nothing on disk).
    redis.stop();
    redis.restart();
    let again = app.stream_order_ids(2, Duration::from_secs(20)).await;
    assert_eq!(
        count(&again),
        placed[1..].iter().map(|id| (*id, 1)).collect(),
        "the unconfirmed orders, once each"
    );
    // Let another whole pass run (each pass takes every due order): still
    // once each, and nothing of the confirmed order.
    let seen = checked_at(&app, placed[1]).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while checked_at(&app, placed[1]).await == seen {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relay did not check again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = app.stream_order_ids(usize::MAX, Duration::ZERO).await;
    assert_eq!(
        count(&after),
        placed[1..].iter().map(|id| (*id, 1)).collect()
    );
}

mod orders_redis_lost_before_a_kitchen_confirmed_them_are_published_again {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        orders_redis_lost_are_published_again_until_a_kitchen_confirms(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        orders_redis_lost_are_published_again_until_a_kitchen_confirms(Backend::Postgres).await
    }
}

/// An order with a voided line, lost by Redis before a kitchen confirmed
/// it: the order comes back and its void after it, so the kitchen does
/// not cook the voided line.
async fn a_lost_orders_voids_are_published_again_after_it(backend: Backend) {
    let (mut redis, app) =
        TestApp::spawn_on_own_redis(backend, |c| c.kitchen_recheck_ms = 300).await;
    app.device().await;
    let token = app.table_token(0);
    let body = app.order_body(&token, &[(9, 1), (1, 1)]).await;
    let order = expect_status(app.place(&token, &body, "v").await, StatusCode::CREATED).await;
    let id = order["id"].as_i64().expect("id");
    let line = order["items"][0]["id"].as_i64().expect("line id");
    let res = app
        .void(
            id,
            json!({ "line_ids": [line], "reason": "changed their mind" }),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    assert_eq!(
        app.stream_order_ids(2, Duration::from_secs(10)).await,
        [id, id]
    );

    redis.stop();
    redis.restart();
    assert_eq!(
        app.stream_order_ids(2, Duration::from_secs(20)).await,
        [id, id]
    );
    let voids: Vec<bool> = app
        .stream_entries(2)
        .await
        .iter()
        .map(|e| e.map.contains_key(qrorder_shared::stream::VOID_ID_FIELD))
        .collect();
    assert_eq!(voids, [false, true], "the order first, then its void");
}

mod a_lost_orders_voids_are_published_again_after_it {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        a_lost_orders_voids_are_published_again_after_it(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        a_lost_orders_voids_are_published_again_after_it(Backend::Postgres).await
    }
}
