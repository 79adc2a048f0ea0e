//! Staff order entry and voids end to end: the real server, the device, the
//! virtual printer over TCP. An order entered from the console for a table
//! with no phones prints; a void of one of its lines gives the stock back,
//! is shown on the screen and prints as a VOID ticket.

use kds::event::Event;
use kds::print_worker::TestHooks;
use qrorder_shared::keys::Keys;
use serde_json::json;

use crate::acl_redis::acl_server;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_order_prints_and_a_void_of_one_line_returns_stock_and_prints_a_void_ticket() {
    let (acl, server) = acl_server(&unique("void")).await;
    let vp = virtual_printer().await;
    let printer = format!("tcp://{}", vp.printer_addr);
    let mut dev = start(
        server.kds_config("kds-1", &printer, &temp_dir()),
        TestHooks::default(),
    )
    .await;
    let crab = server
        .admin(
            reqwest::Method::POST,
            "/menu-items",
            Some(
                json!({"category_id": 1, "name": {"en": "Crab"}, "price_minor": 5000, "stock": 5}),
            ),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let japchae = server.item_id("Japchae").await;
    let stock = |s: serde_json::Value| s["stock"].as_i64().unwrap();

    // Table 3: nobody scanned its code.
    let order = server.enter_order(2, &[(crab, 2), (japchae, 1)]).await;
    assert_eq!(
        stock(
            server
                .admin(reqwest::Method::GET, &format!("/menu-items/{crab}"), None)
                .await
        ),
        3
    );
    next_event(
        &mut dev.events,
        "the order printed",
        |e| matches!(e, Event::TicketPrinted { order_id, .. } if *order_id == order.id),
    )
    .await;
    let tickets = vp.tickets();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].order_number, Some(order.number));
    assert!(tickets[0].text.contains("2 x Crab") && !tickets[0].text.contains("VOID"));

    let voided = server
        .void(order.id, &[order.items[0].id], "wrong table")
        .await;
    assert!(voided.items[0].voided.is_some() && voided.items[1].voided.is_none());
    assert_eq!(
        stock(
            server
                .admin(reqwest::Method::GET, &format!("/menu-items/{crab}"), None)
                .await
        ),
        5,
        "the voided portions are back"
    );
    let shown = next_event(
        &mut dev.events,
        "the void shown",
        |e| matches!(e, Event::VoidArrived(v) if v.order_id == order.id),
    )
    .await;
    let Event::VoidArrived(void) = shown else {
        unreachable!()
    };
    assert_eq!(
        void.summary(),
        format!("VOID #{} Table 3 — 2× Crab — wrong table", order.number)
    );
    next_event(
        &mut dev.events,
        "the void printed",
        |e| matches!(e, Event::VoidPrinted { void_id } if *void_id == void.void_id),
    )
    .await;
    let tickets = vp.tickets();
    assert_eq!(tickets.len(), 2);
    let text = &tickets[1].text;
    assert!(text.contains("VOID"), "{text}");
    assert!(
        text.contains("2 x Crab") && !text.contains("Japchae"),
        "{text}"
    );
    assert!(text.contains("REASON: wrong table"), "{text}");
    assert!(
        !text.contains("REPRINT"),
        "a void is not a reprint of its order: {text}"
    );
    assert_eq!(tickets[1].order_number, Some(order.number));
    assert_eq!(tickets[1].table.as_deref(), Some("Table 3"));

    let r = acl.admin().await;
    let stream = Keys::new(&server.prefix).orders_stream(server.seed.restaurant_id);
    until("XPENDING 0", || {
        let mut r = r.clone();
        let stream = stream.clone();
        async move { pending_on(&mut r, &stream, "kitchen").await == 0 }
    })
    .await;
    dev.device.stop().await;
}
