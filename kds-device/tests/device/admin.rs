//! Status sync against the real server (`qrorder`, all roles, in-process):
//! bumps and recalls through the admin API, changes made elsewhere pushed
//! over `/ws/kitchen`, open orders reloaded on connect, the API banner.

use kds::event::{AlertKind, Command, Event};
use kds::print_worker::TestHooks;
use qrorder_shared::keys::Keys;
use qrorder_shared::order::OrderStatus;
use qrorder_shared::ws::ServerMessage;

use crate::acl_redis::acl_server;
use crate::server::next_message;
use crate::support::*;

fn status_event(e: &Event, id: i64, want: OrderStatus) -> bool {
    matches!(e, Event::OrderStatus { order_id, status } if *order_id == id && *status == want)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bump_and_recall_go_through_the_admin_api_and_reach_the_diners() {
    let (_acl, server) = acl_server(&unique("bump")).await;
    let mut dev = start(
        server.kds_config("kds-1", "none", &temp_dir()),
        TestHooks::default(),
    )
    .await;
    let mut diner = server.diner_socket(0).await;
    let japchae = server.item_id("Japchae").await;
    let order = server.place_order(0, japchae, 2).await;
    next_event(
        &mut dev.events,
        "ticket shown",
        |e| matches!(e, Event::TicketArrived { ticket, .. } if ticket.order_id == order.id),
    )
    .await;

    dev.device.commands().send(Command::Bump(order.id)).unwrap();
    next_event(&mut dev.events, "bumped", |e| {
        status_event(e, order.id, OrderStatus::Ready)
    })
    .await;
    assert_eq!(server.order(order.id).await.status, OrderStatus::Ready);
    next_message(&mut diner, "order_status ready", |m| {
        matches!(m, ServerMessage::OrderStatus { order_id, status: OrderStatus::Ready } if *order_id == order.id)
    })
    .await;

    dev.device
        .commands()
        .send(Command::Recall(order.id))
        .unwrap();
    next_event(&mut dev.events, "recalled", |e| {
        status_event(e, order.id, OrderStatus::Preparing)
    })
    .await;
    assert_eq!(server.order(order.id).await.status, OrderStatus::Preparing);

    // Cancelled at the till: the screen hears it over /ws/kitchen, and a
    // bump after it is refused by the server with a reason on screen.
    server.set_status(order.id, OrderStatus::Cancelled).await;
    next_event(&mut dev.events, "cancel pushed", |e| {
        status_event(e, order.id, OrderStatus::Cancelled)
    })
    .await;
    dev.device.commands().send(Command::Bump(order.id)).unwrap();
    let e = next_event(&mut dev.events, "alert", |e| {
        matches!(e, Event::Alert { .. })
    })
    .await;
    assert!(
        matches!(e, Event::Alert { kind: AlertKind::Api, ref text } if text.contains("cannot become")),
        "{e:?}"
    );
    assert_eq!(server.order(order.id).await.status, OrderStatus::Cancelled);
    dev.device.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_screens_bump_is_pushed_not_polled() {
    let (_acl, server) = acl_server(&unique("push")).await;
    let mut dev = start(
        server.kds_config("kds-1", "none", &temp_dir()),
        TestHooks::default(),
    )
    .await;
    next_event(&mut dev.events, "API up", |e| {
        matches!(e, Event::Api { up: true, .. })
    })
    .await;
    let japchae = server.item_id("Japchae").await;
    let order = server.place_order(1, japchae, 1).await;
    next_event(
        &mut dev.events,
        "ticket shown",
        |e| matches!(e, Event::TicketArrived { ticket, .. } if ticket.order_id == order.id),
    )
    .await;
    server.set_status(order.id, OrderStatus::Preparing).await;
    server.set_status(order.id, OrderStatus::Ready).await;
    // A reload would arrive as OpenOrders (legitimately only after the API
    // was seen down); the push is this one event.
    let api_was_down = std::cell::Cell::new(false);
    next_event(&mut dev.events, "ready pushed", |e| {
        if matches!(e, Event::Api { up: false, .. }) {
            api_was_down.set(true);
        }
        assert!(
            !matches!(e, Event::OpenOrders { .. }) || api_was_down.get(),
            "open orders reloaded while connected: {e:?}"
        );
        status_event(e, order.id, OrderStatus::Ready)
    })
    .await;
    dev.device.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_orders_are_reloaded_when_the_socket_connects() {
    let (acl, server) = acl_server(&unique("reload")).await;
    let japchae = server.item_id("Japchae").await;
    let order = server.place_order(2, japchae, 1).await;
    // Its stream entry is gone (trimmed, or acked by a screen since
    // replaced): only the admin API still knows the order is open.
    let mut r = acl.admin().await;
    let _: () = redis::cmd("DEL")
        .arg(Keys::new(&server.prefix).orders_stream(server.seed.restaurant_id))
        .query_async(&mut r)
        .await
        .unwrap();
    let mut dev = start(
        server.kds_config("kds-1", "none", &temp_dir()),
        TestHooks::default(),
    )
    .await;
    next_event(&mut dev.events, "open orders loaded", |e| {
        matches!(e, Event::OpenOrders { tickets, .. } if tickets.iter().any(|t| t.order_id == order.id))
    })
    .await;
    dev.device.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_physical_bump_button_bumps_the_oldest_ticket() {
    let (_acl, server) = acl_server(&unique("button")).await;
    let mut dev = start(
        server.kds_config("kds-1", "none", &temp_dir()),
        TestHooks::default(),
    )
    .await;
    let japchae = server.item_id("Japchae").await;
    let older = server.place_order(0, japchae, 1).await;
    let newer = server.place_order(1, japchae, 1).await;
    for id in [older.id, newer.id] {
        next_event(
            &mut dev.events,
            "ticket shown",
            |e| matches!(e, Event::TicketArrived { ticket, .. } if ticket.order_id == id),
        )
        .await;
    }
    dev.gpio.press_button();
    next_event(&mut dev.events, "bumped", |e| {
        status_event(e, older.id, OrderStatus::Ready)
    })
    .await;
    assert_eq!(server.order(older.id).await.status, OrderStatus::Ready);
    assert_eq!(server.order(newer.id).await.status, OrderStatus::Placed);
    dev.device.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_admin_api_is_reported_within_three_seconds() {
    let (_acl, mut server) = acl_server(&unique("apidown")).await;
    // The kitchen socket goes to another (quiet) instance that stays up:
    // only the health probe of the admin API can notice.
    let ws = quiet_api().await;
    let mut config = server.kds_config("kds-1", "none", &temp_dir());
    config.ws_url = ws.url.replacen("http://", "ws://", 1);
    let mut dev = start(config, TestHooks::default()).await;
    next_event(&mut dev.events, "API up", |e| {
        matches!(e, Event::Api { up: true, .. })
    })
    .await;
    let lost = std::time::Instant::now();
    server.stop().await;
    next_event(&mut dev.events, "API down", |e| {
        matches!(e, Event::Api { up: false, .. })
    })
    .await;
    assert!(lost.elapsed() < std::time::Duration::from_secs(3));
    dev.device.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screen_only_devices_ack_once_the_ticket_is_shown() {
    let (acl, server) = acl_server(&unique("screen")).await;
    let r = acl.admin().await;
    let mut dev = start(
        server.kds_config("kds-1", "none", &temp_dir()),
        TestHooks::default(),
    )
    .await;
    let japchae = server.item_id("Japchae").await;
    let order = server.place_order(0, japchae, 1).await;
    next_event(
        &mut dev.events,
        "shown",
        |e| matches!(e, Event::TicketArrived { ticket, .. } if ticket.order_id == order.id),
    )
    .await;
    let stream = Keys::new(&server.prefix).orders_stream(server.seed.restaurant_id);
    until("XPENDING 0", || {
        let mut r = r.clone();
        let stream = stream.clone();
        async move { pending_on(&mut r, &stream, "kitchen").await == 0 }
    })
    .await;
    // The console's device list says this screen has no printer, and that
    // it was seen (its kitchen socket).
    until("the device's printer reported", || async {
        let devices = server.admin(reqwest::Method::GET, "/devices", None).await;
        devices.as_array().is_some_and(|d| {
            d.iter()
                .any(|d| d["printer"] == "not_configured" && d["last_seen_at"].is_i64())
        })
    })
    .await;
    dev.device.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_display_says_it_was_removed_and_stops_reconnecting() {
    let (_acl, server) = acl_server(&unique("removed")).await;
    let mut dev = start(
        server.kds_config("kds-1", "none", &temp_dir()),
        TestHooks::default(),
    )
    .await;
    next_event(&mut dev.events, "API up", |e| {
        matches!(e, Event::Api { up: true, .. })
    })
    .await;
    let devices = server.admin(reqwest::Method::GET, "/devices", None).await;
    let id = devices.as_array().unwrap()[0]["id"].as_i64().unwrap();
    server
        .admin(
            reqwest::Method::POST,
            &format!("/devices/{id}/revoke"),
            None,
        )
        .await;
    // Its kitchen socket is closed (1008); the reconnect is refused (401).
    next_event(&mut dev.events, "removed", |e| matches!(e, Event::Removed)).await;
    // And no more tries: nothing says the API came back or went again.
    let quiet = tokio::time::timeout(std::time::Duration::from_secs(3), async {
        loop {
            match dev.events.recv().await {
                Some(Event::Removed) => return "removed twice",
                Some(_) => {}
                None => return "ended",
            }
        }
    })
    .await;
    assert!(quiet.is_err(), "{quiet:?}");
    dev.device.stop().await;
}
