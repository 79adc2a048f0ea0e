//! A cook's tap on the real screen, end to end: the real server (in
//! process), the device, the Slint UI under the testing backend. The tap
//! bumps the ticket through the admin API and the diners' socket hears
//! `order_status: ready`. Its own binary: one Slint platform per process.

#![allow(clippy::unwrap_used)]

#[path = "common/acl_redis.rs"]
mod acl_redis;
#[path = "common/server.rs"]
mod server;

use std::time::{Duration, Instant};

use i_slint_backend_testing::ElementHandle;
use kds::board::BoardView;
use kds::gpio::RecordingGpio;
use kds::ui::{AppWindow, KdsState, apply_view, connect};
use kds::{Device, Options};
use qrorder_shared::order::OrderStatus;
use qrorder_shared::ws::ServerMessage;
use server::next_message;
use slint::platform::PointerEventButton;
use slint::{ComponentHandle, Model};

/// Show each new board view until `done` holds for the window, within 20 s.
fn show_until(
    app: &AppWindow,
    views: &std::sync::mpsc::Receiver<BoardView>,
    what: &str,
    done: impl Fn(&AppWindow) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(app) {
        let left = deadline.saturating_duration_since(Instant::now());
        let view = views
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {what} on screen within 20 s"));
        apply_view(app, &view);
    }
}

fn shows_order(app: &AppWindow, id: i64) -> bool {
    app.global::<KdsState>()
        .get_tickets()
        .iter()
        .any(|t| i64::from(t.order_id) == id)
}

#[test]
fn a_tap_on_a_ticket_marks_the_order_ready_and_tells_the_diners() {
    i_slint_backend_testing::init_no_event_loop();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let prefix = format!("kdstest-tap-{}", std::process::id());
    // The display on a Redis user of its own, Redis' default user locked.
    let (_redis, server) = rt.block_on(acl_redis::acl_server(&prefix));
    let data = tempfile::tempdir().unwrap();

    let app = AppWindow::new().unwrap();
    app.window()
        .set_size(slint::LogicalSize::new(1280.0, 800.0));
    app.show().unwrap();
    let (views_tx, views) = std::sync::mpsc::channel();
    let mut options = Options::new(Box::new(RecordingGpio::default()));
    options.view = Some(Box::new(move |v| {
        let _ = views_tx.send(v);
    }));
    let device = rt
        .block_on(Device::start(
            server.kds_config("kds-1", "none", data.path()),
            options,
        ))
        .unwrap();
    connect(&app, device.commands(), device.ui_actions());

    let mut diner = rt.block_on(server.diner_socket(0));
    let japchae = rt.block_on(server.item_id("Japchae"));
    let order = rt.block_on(server.place_order(0, japchae, 2));
    show_until(&app, &views, "the new ticket", |app| {
        shows_order(app, order.id)
    });

    let cards: Vec<_> = ElementHandle::find_by_element_id(&app, "TicketCard::bump-area").collect();
    assert_eq!(cards.len(), 1, "one ticket on screen");
    cards[0].mock_single_click(PointerEventButton::Left);

    rt.block_on(next_message(&mut diner, "order_status ready", |m| {
        matches!(m, ServerMessage::OrderStatus { order_id, status: OrderStatus::Ready } if *order_id == order.id)
    }));
    assert_eq!(
        rt.block_on(server.order(order.id)).status,
        OrderStatus::Ready
    );
    show_until(&app, &views, "the bumped ticket gone", |app| {
        !shows_order(app, order.id)
    });
    rt.block_on(device.stop());
}
