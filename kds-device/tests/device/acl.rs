//! A display on its own Redis ACL user (`REDIS_DEVICE_ACL`), paired through
//! the API against a redis-server of the test's own whose default user has
//! a password: every command the device sends passes the ACL (it prints and
//! acknowledges an order), and once revoked it says it was removed and its
//! Redis user is gone.

use kds::event::Event;
use kds::print_worker::TestHooks;
use serde_json::{Value, json};

use crate::acl_redis::AclRedis;
use crate::server::RealServer;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_display_on_its_own_redis_user_prints_and_once_revoked_says_it_was_removed() {
    let redis = AclRedis::start();
    let admin_url = redis.admin_url();
    let server = RealServer::spawn_with(&unique("acl"), |c| {
        c.redis_url = admin_url.clone();
        c.redis_device_acl = true;
    })
    .await;
    let code = server
        .admin(
            reqwest::Method::POST,
            "/devices/pairing-codes",
            Some(json!({"name": "ACL screen", "station": "kitchen"})),
        )
        .await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = server
        .http
        .post(format!("{}/api/v1/devices/pair", server.url))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let paired: Value = res.json().await.unwrap();
    let user = paired["redis"]["username"].as_str().unwrap().to_owned();

    let vp = virtual_printer().await;
    let mut config = server.kds_config(
        paired["consumer"].as_str().unwrap(),
        &format!("tcp://{}", vp.printer_addr),
        &temp_dir(),
    );
    config.api_token = paired["token"].as_str().unwrap().into();
    config.redis_url = paired["redis"]["url"].as_str().unwrap().into();
    config.redis_username = Some(user.clone());
    config.redis_password = paired["redis"]["password"].as_str().map(str::to_owned);
    let mut dev = start(config, TestHooks::default()).await;

    let japchae = server.item_id("Japchae").await;
    let order = server.place_order(0, japchae, 1).await;
    next_event(
        &mut dev.events,
        "printed",
        |e| matches!(e, Event::TicketPrinted { order_id, .. } if *order_id == order.id),
    )
    .await;
    assert!(
        vp.tickets()
            .iter()
            .any(|t| t.order_number == Some(order.number))
    );
    let mut admin = redis::Client::open(redis.admin_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let stream = qrorder_shared::keys::Keys::new(&server.prefix)
        .orders_stream(qrorder_shared::RestaurantId(server.restaurant_id()));
    until("acknowledged under the ACL user", || {
        let mut admin = admin.clone();
        let stream = stream.clone();
        async move { pending_on(&mut admin, &stream, "kitchen").await == 0 }
    })
    .await;

    let id = paired["id"].as_i64().unwrap();
    server
        .admin(
            reqwest::Method::POST,
            &format!("/devices/{id}/revoke"),
            None,
        )
        .await;
    next_event(&mut dev.events, "removed", |e| matches!(e, Event::Removed)).await;
    let users: Vec<String> = redis::cmd("ACL")
        .arg("USERS")
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!(!users.contains(&user), "{users:?}");
    dev.device.stop().await;
}
