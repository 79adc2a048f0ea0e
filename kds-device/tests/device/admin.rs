//! Status sync against a stand-in for the admin API (see `support`).

use kds::event::{Command, Event};
use kds::print_worker::TestHooks;
use qrorder_shared::order::OrderStatus;

use crate::support::*;

#[tokio::test]
async fn bump_marks_the_order_ready_and_recall_brings_it_back_through_the_admin_api() {
    let prefix = unique("bump");
    let api = fake_admin().await;
    api.state
        .orders
        .lock()
        .unwrap()
        .insert(11, order(11, &[("Soup", 1, "kitchen")]));
    let mut dev = start(
        config(&prefix, "kds-1", "none", &temp_dir(), &api.url),
        TestHooks::default(),
    )
    .await;
    let e = next_event(
        &mut dev.events,
        "open orders loaded",
        |e| matches!(e, Event::OpenOrders { tickets, .. } if !tickets.is_empty()),
    )
    .await;
    assert!(matches!(e, Event::OpenOrders { ref tickets, .. } if tickets[0].order_id == 11));

    dev.device.commands().send(Command::Bump(11)).unwrap();
    next_event(&mut dev.events, "bumped", |e| {
        matches!(
            e,
            Event::OrderStatus {
                order_id: 11,
                status: OrderStatus::Ready
            }
        )
    })
    .await;
    assert_eq!(
        api.state.orders.lock().unwrap()[&11].status,
        OrderStatus::Ready
    );

    dev.device.commands().send(Command::Recall(11)).unwrap();
    next_event(&mut dev.events, "recalled", |e| {
        matches!(
            e,
            Event::OrderStatus {
                order_id: 11,
                status: OrderStatus::Preparing
            }
        )
    })
    .await;
    assert_eq!(
        api.state.orders.lock().unwrap()[&11].status,
        OrderStatus::Preparing
    );

    // Cancelled elsewhere: a bump is an illegal transition and says so.
    api.state
        .orders
        .lock()
        .unwrap()
        .get_mut(&11)
        .unwrap()
        .status = OrderStatus::Cancelled;
    dev.device.commands().send(Command::Bump(11)).unwrap();
    let e = next_event(&mut dev.events, "alert", |e| {
        matches!(e, Event::Alert { .. })
    })
    .await;
    assert!(matches!(e, Event::Alert { ref text, .. } if text.contains("cannot become")));
    dev.device.stop().await;
}

#[tokio::test]
async fn the_physical_bump_button_bumps_the_oldest_ticket() {
    let prefix = unique("button");
    let api = fake_admin().await;
    let mut older = order(21, &[("Soup", 1, "kitchen")]);
    older.created_at -= 60_000;
    api.state.orders.lock().unwrap().insert(21, older);
    api.state
        .orders
        .lock()
        .unwrap()
        .insert(22, order(22, &[("Rice", 1, "kitchen")]));
    let mut dev = start(
        config(&prefix, "kds-1", "none", &temp_dir(), &api.url),
        TestHooks::default(),
    )
    .await;
    next_event(
        &mut dev.events,
        "open orders loaded",
        |e| matches!(e, Event::OpenOrders { tickets, .. } if tickets.len() == 2),
    )
    .await;
    dev.gpio.press_button();
    next_event(&mut dev.events, "bumped", |e| {
        matches!(
            e,
            Event::OrderStatus {
                status: OrderStatus::Ready,
                ..
            }
        )
    })
    .await;
    assert_eq!(
        *api.state.patches.lock().unwrap(),
        vec![(21, OrderStatus::Ready)]
    );
    dev.device.stop().await;
}

#[tokio::test]
async fn an_unreachable_admin_api_is_reported_within_three_seconds() {
    let prefix = unique("apidown");
    let api = fake_admin().await;
    let mut dev = start(
        config(&prefix, "kds-1", "none", &temp_dir(), &api.url),
        TestHooks::default(),
    )
    .await;
    next_event(&mut dev.events, "API up", |e| {
        matches!(e, Event::Api { up: true, .. })
    })
    .await;
    drop(api);
    let lost = std::time::Instant::now();
    next_event(&mut dev.events, "API down", |e| {
        matches!(e, Event::Api { up: false, .. })
    })
    .await;
    assert!(lost.elapsed() < std::time::Duration::from_secs(3));
    dev.device.stop().await;
}

#[tokio::test]
async fn screen_only_devices_ack_once_the_ticket_is_shown() {
    let prefix = unique("screen");
    let mut r = redis().await;
    let api = fake_admin().await;
    let mut dev = start(
        config(&prefix, "kds-1", "none", &temp_dir(), &api.url),
        TestHooks::default(),
    )
    .await;
    xadd(
        &mut r,
        &prefix,
        &payload(31, vec![item("Soup", 1, "kitchen")]),
    )
    .await;
    next_event(&mut dev.events, "shown", |e| {
        matches!(e, Event::TicketArrived { .. })
    })
    .await;
    until("XPENDING 0", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 0 }
    })
    .await;
    dev.device.stop().await;
}
