//! The kitchen stream: show, print, acknowledge — and every way that can fail.

use std::time::Duration;

use kds::event::{AlertKind, Event, PrinterState};
use kds::print_worker::TestHooks;
use printer::emulator::FaultsPatch;
use tokio::sync::mpsc;

use crate::acl_redis::AclRedis;
use crate::support::*;

#[tokio::test]
async fn an_order_is_shown_then_printed_and_acked_only_after_the_printer_confirms() {
    let prefix = unique("flow");
    let own = AclRedis::start();
    let mut r = own.admin().await;
    let vp = virtual_printer().await;
    vp.set_faults(FaultsPatch {
        delay_ms: Some(1500),
        ..Default::default()
    });
    let api = quiet_api().await;
    let printer = format!("tcp://{}", vp.printer_addr);
    let mut dev = start(
        own.on_device_user(config(&prefix, "kds-1", &printer, &temp_dir(), &api.url))
            .await,
        TestHooks::default(),
    )
    .await;

    xadd(
        &mut r,
        &prefix,
        &payload(101, vec![item("Bibimbap", 2, "kitchen")]),
    )
    .await;
    let shown = next_event(&mut dev.events, "ticket shown", |e| {
        matches!(e, Event::TicketArrived { .. })
    })
    .await;
    assert!(
        matches!(shown, Event::TicketArrived { ref ticket, reprint: false } if ticket.order_id == 101 && ticket.items[0].qty == 2)
    );
    // Shown, being printed (the printer takes 1.5 s): not acknowledged yet.
    assert_eq!(pending(&mut r, &prefix, "kitchen").await, 1);
    assert!(vp.tickets().is_empty());

    next_event(&mut dev.events, "printed", |e| {
        matches!(
            e,
            Event::TicketPrinted {
                order_id: 101,
                reprint: false
            }
        )
    })
    .await;
    until("XPENDING 0", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 0 }
    })
    .await;
    let tickets = vp.tickets();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].order_number, Some(101));
    assert!(!tickets[0].text.contains("REPRINT"));
    assert_eq!(dev.gpio.pulses(), 1, "a new ticket pulses the buzzer/LED");
    dev.device.stop().await;
}

#[tokio::test]
async fn paper_out_keeps_tickets_on_screen_unacked_until_paper_is_back_then_each_prints_once() {
    let prefix = unique("paper");
    let own = AclRedis::start();
    let mut r = own.admin().await;
    let vp = virtual_printer().await;
    vp.set_faults(FaultsPatch {
        paper_out: Some(true),
        ..Default::default()
    });
    let api = quiet_api().await;
    let printer = format!("tcp://{}", vp.printer_addr);
    let mut dev = start(
        own.on_device_user(config(&prefix, "kds-1", &printer, &temp_dir(), &api.url))
            .await,
        TestHooks::default(),
    )
    .await;

    for id in 201..=203 {
        xadd(
            &mut r,
            &prefix,
            &payload(id, vec![item("Soup", 1, "kitchen")]),
        )
        .await;
    }
    next_event(&mut dev.events, "paper out on the status bar", |e| {
        matches!(e, Event::Printer(PrinterState::PaperOut))
    })
    .await;
    next_event(&mut dev.events, "a not-printed mark", |e| {
        matches!(e, Event::TicketNotPrinted { .. })
    })
    .await;
    until("all three shown and pending", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 3 }
    })
    .await;
    // The fault lasts 30 s: all that time nothing is acknowledged or printed.
    let fault_ends = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < fault_ends {
        assert_eq!(
            pending(&mut r, &prefix, "kitchen").await,
            3,
            "no XACK during the fault"
        );
        assert!(vp.tickets().is_empty());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    vp.set_faults(FaultsPatch {
        paper_out: Some(false),
        ..Default::default()
    });
    until("XPENDING 0 after the paper is back", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 0 }
    })
    .await;
    let mut numbers: Vec<u32> = vp.tickets().iter().filter_map(|t| t.order_number).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, vec![201, 202, 203], "each printed exactly once");
    assert!(vp.tickets().iter().all(|t| !t.text.contains("REPRINT")));
    dev.device.stop().await;
}

#[tokio::test]
async fn a_crash_between_print_and_ack_reprints_the_ticket_marked_reprint() {
    let prefix = unique("crash");
    let own = AclRedis::start();
    let mut r = own.admin().await;
    let vp = virtual_printer().await;
    let api = quiet_api().await;
    let printer = format!("tcp://{}", vp.printer_addr);
    let data = temp_dir();
    let (hook_tx, mut hook_rx) = mpsc::unbounded_channel();
    let dev = start(
        own.on_device_user(config(&prefix, "kds-1", &printer, &data, &api.url))
            .await,
        TestHooks {
            before_ack: Some(hook_tx),
        },
    )
    .await;
    xadd(
        &mut r,
        &prefix,
        &payload(301, vec![item("Noodles", 1, "kitchen")]),
    )
    .await;
    let (order, _release) = tokio::time::timeout(WAIT, hook_rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order, 301);
    dev.device.stop().await; // crash: printed, not acknowledged
    assert_eq!(pending(&mut r, &prefix, "kitchen").await, 1);
    assert_eq!(vp.tickets().len(), 1);

    let mut dev = start(
        own.on_device_user(config(&prefix, "kds-1", &printer, &data, &api.url))
            .await,
        TestHooks::default(),
    )
    .await;
    let e = next_event(&mut dev.events, "redelivered ticket", |e| {
        matches!(e, Event::TicketArrived { .. })
    })
    .await;
    assert!(matches!(e, Event::TicketArrived { reprint: true, .. }));
    until("XPENDING 0", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 0 }
    })
    .await;
    let tickets = vp.tickets();
    assert_eq!(tickets.len(), 2);
    assert!(!tickets[0].text.contains("REPRINT"));
    assert!(
        tickets[1].text.contains("REPRINT"),
        "second print says REPRINT:\n{}",
        tickets[1].text
    );
    dev.device.stop().await;
}

#[tokio::test]
async fn a_stopped_devices_pending_entries_are_claimed_and_printed_by_another_device_of_the_station()
 {
    let prefix = unique("claim");
    let own = AclRedis::start();
    let mut r = own.admin().await;
    let vp = virtual_printer().await;
    let api = quiet_api().await;
    // Device A's printer does not exist: it reads the entries and cannot print them.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut a = start(
        own.on_device_user(config(
            &prefix,
            "kds-a",
            &format!("tcp://{dead_port}"),
            &temp_dir(),
            &api.url,
        ))
        .await,
        TestHooks::default(),
    )
    .await;
    for id in 401..=403 {
        xadd(
            &mut r,
            &prefix,
            &payload(id, vec![item("Dumplings", 3, "kitchen")]),
        )
        .await;
    }
    for _ in 0..3 {
        next_event(&mut a.events, "A shows the ticket", |e| {
            matches!(e, Event::TicketArrived { .. })
        })
        .await;
    }
    a.device.stop().await;
    assert_eq!(pending(&mut r, &prefix, "kitchen").await, 3);

    let printer = format!("tcp://{}", vp.printer_addr);
    let b = start(
        own.on_device_user(config(&prefix, "kds-b", &printer, &temp_dir(), &api.url))
            .await,
        TestHooks::default(),
    )
    .await;
    until("B to claim and print all three", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 0 }
    })
    .await;
    let mut numbers: Vec<u32> = vp.tickets().iter().filter_map(|t| t.order_number).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, vec![401, 402, 403]);
    // A may have printed them: B says so.
    assert!(vp.tickets().iter().all(|t| t.text.contains("REPRINT")));
    b.device.stop().await;
}

#[tokio::test]
async fn undecodable_entries_go_to_the_dead_letter_stream_with_an_alert_and_later_entries_still_flow()
 {
    let prefix = unique("dead");
    let own = AclRedis::start();
    let mut r = own.admin().await;
    let vp = virtual_printer().await;
    let api = quiet_api().await;
    let printer = format!("tcp://{}", vp.printer_addr);
    let mut dev = start(
        own.on_device_user(config(&prefix, "kds-1", &printer, &temp_dir(), &api.url))
            .await,
        TestHooks::default(),
    )
    .await;

    xadd_raw(
        &mut r,
        &prefix,
        &[("order_id", "1"), ("payload", "{not json")],
    )
    .await;
    let mut future = serde_json::to_value(payload(2, vec![item("Tea", 1, "kitchen")])).unwrap();
    future["schema"] = 99.into();
    xadd_raw(
        &mut r,
        &prefix,
        &[("order_id", "2"), ("payload", &future.to_string())],
    )
    .await;
    xadd(
        &mut r,
        &prefix,
        &payload(503, vec![item("Kimchi", 1, "kitchen")]),
    )
    .await;

    let a = next_event(&mut dev.events, "dead-letter alert", |e| {
        matches!(
            e,
            Event::Alert {
                kind: AlertKind::DeadLetter,
                ..
            }
        )
    })
    .await;
    assert!(matches!(a, Event::Alert { ref text, .. } if text.contains("not JSON")));
    let a = next_event(&mut dev.events, "second dead-letter alert", |e| {
        matches!(
            e,
            Event::Alert {
                kind: AlertKind::DeadLetter,
                ..
            }
        )
    })
    .await;
    assert!(matches!(a, Event::Alert { ref text, .. } if text.contains("schema 99")));
    next_event(&mut dev.events, "the good order printed", |e| {
        matches!(e, Event::TicketPrinted { order_id: 503, .. })
    })
    .await;
    until("XPENDING 0", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 0 }
    })
    .await;
    let dead: u64 = redis::cmd("XLEN")
        .arg(
            qrorder_shared::keys::Keys::new(&prefix)
                .orders_dead_letter(qrorder_shared::RestaurantId(RESTAURANT)),
        )
        .query_async(&mut r)
        .await
        .unwrap();
    assert_eq!(dead, 2);
    assert_eq!(vp.tickets().len(), 1);
    dev.device.stop().await;
}

#[tokio::test]
async fn an_entry_delivered_more_than_max_deliveries_is_dead_lettered_not_printed() {
    let prefix = unique("maxdel");
    let own = AclRedis::start();
    let mut r = own.admin().await;
    let vp = virtual_printer().await;
    let api = quiet_api().await;
    let key = stream_key(&prefix);
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&key)
        .arg("kitchen")
        .arg("0")
        .arg("MKSTREAM")
        .query_async(&mut r)
        .await
        .unwrap();
    xadd(
        &mut r,
        &prefix,
        &payload(601, vec![item("Cake", 1, "kitchen")]),
    )
    .await;
    // A device that keeps crashing on it: delivered six times.
    for id in [">", "0", "0", "0", "0", "0"] {
        let _: redis::Value = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg("kitchen")
            .arg("ghost")
            .arg("STREAMS")
            .arg(&key)
            .arg(id)
            .query_async(&mut r)
            .await
            .unwrap();
    }
    let printer = format!("tcp://{}", vp.printer_addr);
    let mut dev = start(
        own.on_device_user(config(&prefix, "kds-1", &printer, &temp_dir(), &api.url))
            .await,
        TestHooks::default(),
    )
    .await;
    let a = next_event(&mut dev.events, "dead-letter alert", |e| {
        matches!(
            e,
            Event::Alert {
                kind: AlertKind::DeadLetter,
                ..
            }
        )
    })
    .await;
    assert!(matches!(a, Event::Alert { ref text, .. } if text.contains("delivered")));
    until("XPENDING 0", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 0 }
    })
    .await;
    assert!(vp.tickets().is_empty());
    dev.device.stop().await;
}

#[tokio::test]
async fn entries_for_other_stations_are_acked_without_printing_or_showing() {
    let prefix = unique("station");
    let own = AclRedis::start();
    let mut r = own.admin().await;
    let vp = virtual_printer().await;
    let api = quiet_api().await;
    let printer = format!("tcp://{}", vp.printer_addr);
    let mut dev = start(
        own.on_device_user(config(&prefix, "kds-1", &printer, &temp_dir(), &api.url))
            .await,
        TestHooks::default(),
    )
    .await;
    xadd(&mut r, &prefix, &payload(701, vec![item("Beer", 2, "bar")])).await;
    xadd(
        &mut r,
        &prefix,
        &payload(
            702,
            vec![item("Beer", 1, "bar"), item("Fries", 1, "kitchen")],
        ),
    )
    .await;
    let e = next_event(&mut dev.events, "ticket shown", |e| {
        matches!(e, Event::TicketArrived { .. })
    })
    .await;
    let Event::TicketArrived { ticket, .. } = e else {
        unreachable!()
    };
    assert_eq!(ticket.order_id, 702, "the bar-only order is never shown");
    assert_eq!(ticket.items.len(), 1, "only this station's items");
    until("XPENDING 0", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 0 }
    })
    .await;
    let tickets = vp.tickets();
    assert_eq!(tickets.len(), 1);
    assert!(tickets[0].text.contains("Fries") && !tickets[0].text.contains("Beer"));
    dev.device.stop().await;
}

#[tokio::test]
async fn two_hundred_orders_are_each_shown_and_printed_once_and_nothing_stays_pending() {
    let prefix = unique("load");
    let own = AclRedis::start();
    let mut r = own.admin().await;
    let vp = virtual_printer().await;
    let api = quiet_api().await;
    let printer = format!("tcp://{}", vp.printer_addr);
    let mut dev = start(
        own.on_device_user(config(&prefix, "kds-1", &printer, &temp_dir(), &api.url))
            .await,
        TestHooks::default(),
    )
    .await;
    for id in 1000..1200 {
        xadd(
            &mut r,
            &prefix,
            &payload(id, vec![item("Rice", 1, "kitchen")]),
        )
        .await;
    }
    let mut shown = std::collections::HashSet::new();
    let mut printed = std::collections::HashSet::new();
    tokio::time::timeout(Duration::from_secs(120), async {
        while printed.len() < 200 {
            match dev.events.recv().await {
                Some(Event::TicketArrived { ticket, .. }) => {
                    shown.insert(ticket.order_id);
                }
                Some(Event::TicketPrinted { order_id, .. }) => {
                    assert!(printed.insert(order_id), "printed twice: {order_id}");
                }
                Some(_) => {}
                None => break,
            }
        }
    })
    .await
    .expect("200 printed within 120 s");
    assert_eq!(shown.len(), 200);
    until("XPENDING 0", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 0 }
    })
    .await;
    let mut numbers: Vec<u32> = vp.tickets().iter().filter_map(|t| t.order_number).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(vp.tickets().len(), 200);
    assert_eq!(numbers.len(), 200);
    dev.device.stop().await;
}

#[tokio::test]
async fn losing_redis_raises_the_banner_within_three_seconds_and_the_device_resumes_when_it_is_back()
 {
    let own = AclRedis::start();
    let port = own.port;
    let mut r = own.admin().await;

    let prefix = unique("down");
    let vp = virtual_printer().await;
    let api = quiet_api().await;
    let printer = format!("tcp://{}", vp.printer_addr);
    let cfg = own
        .on_device_user(config(&prefix, "kds-1", &printer, &temp_dir(), &api.url))
        .await;
    let mut dev = start(cfg.clone(), TestHooks::default()).await;
    next_event(&mut dev.events, "Redis up", |e| {
        matches!(e, Event::Redis { up: true, .. })
    })
    .await;
    xadd(
        &mut r,
        &prefix,
        &payload(801, vec![item("Soup", 1, "kitchen")]),
    )
    .await;
    next_event(&mut dev.events, "printed", |e| {
        matches!(e, Event::TicketPrinted { order_id: 801, .. })
    })
    .await;

    drop(own);
    let lost = std::time::Instant::now();
    next_event(&mut dev.events, "Redis down", |e| {
        matches!(e, Event::Redis { up: false, .. })
    })
    .await;
    assert!(
        lost.elapsed() < Duration::from_secs(3),
        "banner after {:?}",
        lost.elapsed()
    );

    // Redis back empty, without the display's user: set again, as the
    // server does after a restart; the display reconnects on it.
    let own = AclRedis::start_on(port);
    own.set_user(&cfg).await;
    next_event(&mut dev.events, "Redis back", |e| {
        matches!(e, Event::Redis { up: true, .. })
    })
    .await;
    let mut r = own.admin().await;
    // Redis came back empty (no persistence here): the group is recreated.
    xadd(
        &mut r,
        &prefix,
        &payload(802, vec![item("Soup", 1, "kitchen")]),
    )
    .await;
    next_event(&mut dev.events, "printed after the restart", |e| {
        matches!(e, Event::TicketPrinted { order_id: 802, .. })
    })
    .await;
    until("XPENDING 0", || {
        let mut r = r.clone();
        let p = prefix.clone();
        async move { pending(&mut r, &p, "kitchen").await == 0 }
    })
    .await;
    dev.device.stop().await;
    drop(own);
}
