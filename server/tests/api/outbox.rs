use std::collections::HashMap;
use std::time::Duration;

use qrorder_shared::stream::{ORDER_PAYLOAD_SCHEMA, OrderPayload};
use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp, expect_status};
use crate::on_both_backends;

fn count(ids: &[i64]) -> HashMap<i64, usize> {
    let mut m = HashMap::new();
    for id in ids {
        *m.entry(*id).or_default() += 1;
    }
    m
}

on_both_backends! {
    async fn every_order_reaches_the_kitchen_stream_once_with_its_payload(app: TestApp) {
        let token = app.table_token(0);
        let mut placed = Vec::new();
        for key in ["a", "b", "c"] {
            let body = app.order_body(&token, &[(9, 1), (1, 1)]).await;
            placed.push(expect_status(app.place(&token, &body, key).await, StatusCode::CREATED).await["id"].as_i64().expect("id"));
        }
        let ids = app.stream_order_ids(3, Duration::from_secs(10)).await;
        assert_eq!(count(&ids), placed.iter().map(|id| (*id, 1)).collect());

        let entries = app.stream_entries(3).await;
        let payload: OrderPayload = serde_json::from_str(&entries[0].get::<String>("payload").expect("payload")).expect("payload JSON");
        assert_eq!(payload.schema, ORDER_PAYLOAD_SCHEMA);
        assert_eq!(payload.order_id, placed[0]);
        assert_eq!(payload.table_name, "Table 1");
        let stations: Vec<&str> = payload.items.iter().map(|i| i.station.as_str()).collect();
        assert_eq!(stations, ["bar", "kitchen"]);
        assert_eq!(payload.items[1].options.len(), 1, "the required spice level");
    }
}

/// Redis is down while orders come in: they are accepted, and once Redis is
/// back the relay puts every one on the stream exactly once.
async fn orders_survive_a_redis_outage(backend: Backend) {
    let (mut redis, app) = TestApp::spawn_on_own_redis(backend, |_| {}).await;
    let token = app.table_token(0);
    let body = app.order_body(&token, &[(8, 1)]).await;
    expect_status(
        app.place(&token, &body, "before").await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        app.stream_order_ids(1, Duration::from_secs(10)).await.len(),
        1
    );

    redis.stop();
    let mut during = Vec::new();
    for i in 0..5 {
        let res = app.place(&token, &body, &format!("during-{i}")).await;
        during.push(
            expect_status(res, StatusCode::CREATED).await["id"]
                .as_i64()
                .expect("id"),
        );
    }
    // Redis comes back empty (it keeps nothing on disk): only the orders the
    // relay republishes can be there.
    redis.restart();
    let ids = app.stream_order_ids(5, Duration::from_secs(20)).await;
    assert_eq!(
        count(&ids),
        during.iter().map(|id| (*id, 1)).collect(),
        "each order exactly once"
    );
}

/// A crash between the commit and the XADD (immediate publishing switched
/// off, as if the process died there): the relay publishes the order.
async fn an_order_committed_but_not_published_is_published_by_the_relay(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.outbox_immediate_publish = false;
        c.outbox_relay_interval_ms = 100;
    })
    .await;
    let token = app.table_token(0);
    let body = app.order_body(&token, &[(8, 2)]).await;
    let order = expect_status(app.place(&token, &body, "k").await, StatusCode::CREATED).await;
    let ids = app.stream_order_ids(1, Duration::from_secs(10)).await;
    assert_eq!(ids, vec![order["id"].as_i64().expect("id")]);
}

mod orders_placed_while_redis_is_down_reach_the_stream_once_it_is_back {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        orders_survive_a_redis_outage(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        orders_survive_a_redis_outage(Backend::Postgres).await
    }
}

mod a_crash_between_commit_and_publish_is_repaired_by_the_relay {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        an_order_committed_but_not_published_is_published_by_the_relay(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        an_order_committed_but_not_published_is_published_by_the_relay(Backend::Postgres).await
    }
}
