//! Every accepted order is printed even when Redis loses it: with the
//! kitchen display off, orders are accepted and published, then Redis
//! restarts without its data; once the display is on again the server
//! publishes what no kitchen confirmed, and every order prints once.

use std::collections::HashMap;

use kds::print_worker::TestHooks;
use qrorder_shared::RestaurantId;
use qrorder_shared::keys::Keys;

use crate::acl_redis::AclRedis;
use crate::server::RealServer;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_redis_lost_while_the_display_was_off_all_print_once_it_is_on() {
    let redis = AclRedis::start();
    let port = redis.port;
    let admin_url = redis.admin_url();
    let server = RealServer::spawn_with(&unique("durable"), |c| {
        c.redis_url = admin_url.clone();
        c.outbox_relay_interval_ms = 100;
        c.kitchen_recheck_ms = 500;
    })
    .await;
    let stream = Keys::new(&server.prefix).orders_stream(RestaurantId(server.restaurant_id()));
    let japchae = server.item_id("Japchae").await;
    let mut orders = Vec::new();
    for i in 0..10 {
        orders.push(server.place_order(i % 3, japchae, 1).await);
    }
    let mut admin = redis.admin().await;
    until("the 10 orders on the kitchen stream", || {
        let mut admin = admin.clone();
        let stream = stream.clone();
        async move {
            redis::cmd("XLEN")
                .arg(&stream)
                .query_async::<u64>(&mut admin)
                .await
                .unwrap()
                == 10
        }
    })
    .await;

    // Redis restarts without its data: what it had acknowledged is gone.
    drop(redis);
    let redis = AclRedis::start_on(port);
    admin = redis.admin().await;
    let len: u64 = redis::cmd("XLEN")
        .arg(&stream)
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(len, 0, "the restarted Redis holds nothing");

    let vp = virtual_printer().await;
    let mut config = server.kds_config(
        "kds-durable",
        &format!("tcp://{}", vp.printer_addr),
        &temp_dir(),
    );
    config.redis_url = redis.admin_url();
    let dev = start(config, TestHooks::default()).await;
    until("all 10 orders printed", || {
        let printed = vp.tickets().len();
        async move { printed >= 10 }
    })
    .await;
    let mut printed: HashMap<u32, usize> = HashMap::new();
    for t in vp.tickets() {
        assert!(
            !t.text.contains("REPRINT"),
            "never printed before: {}",
            t.text
        );
        *printed
            .entry(t.order_number.expect("a number on the ticket"))
            .or_default() += 1;
    }
    assert_eq!(
        printed,
        orders.iter().map(|o| (o.number, 1)).collect(),
        "every order once"
    );
    // The display reported them: the server stops publishing them.
    for o in &orders {
        until("the server has the print on record", || async {
            server.order(o.id).await.kitchen_confirmed_at.is_some()
        })
        .await;
    }
    until("every entry acknowledged", || {
        let mut admin = admin.clone();
        let stream = stream.clone();
        async move { pending_on(&mut admin, &stream, "kitchen").await == 0 }
    })
    .await;
    assert_eq!(vp.tickets().len(), 10, "no ticket printed twice");
    dev.device.stop().await;
}
