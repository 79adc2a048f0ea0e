//! The board's behaviour through `apply` and `view`, as the screen sees it.

use super::*;
use crate::event::TicketItem;

fn ticket(id: i64, placed_at: i64, name: &str, qty: u32) -> TicketInfo {
    TicketInfo {
        order_id: id,
        number: u32::try_from(id).unwrap_or(0),
        table: format!("T{id}"),
        placed_at,
        items: vec![TicketItem {
            qty,
            name: name.into(),
            options: String::new(),
            note: None,
        }],
    }
}

#[test]
fn tickets_age_from_white_to_yellow_to_red() {
    let mut b = Board::new(&Config::default(), 0);
    b.apply(Event::TicketArrived {
        ticket: ticket(1, 0, "Soup", 1),
        reprint: false,
    });
    b.apply(Event::Tick(4 * 60_000));
    assert_eq!(b.view().cards[0].age, Age::Fresh);
    b.apply(Event::Tick(5 * 60_000));
    assert_eq!(b.view().cards[0].age, Age::Warning);
    b.apply(Event::Tick(10 * 60_000 + 1));
    let v = b.view();
    assert_eq!(
        (v.cards[0].age, v.cards[0].elapsed.as_str()),
        (Age::Late, "10:00")
    );
}

#[test]
fn bumped_tickets_can_be_recalled_for_thirty_minutes() {
    let mut b = Board::new(&Config::default(), 0);
    b.apply(Event::TicketArrived {
        ticket: ticket(1, 0, "Soup", 2),
        reprint: false,
    });
    b.apply(Event::OrderStatus {
        order_id: 1,
        status: OrderStatus::Ready,
    });
    assert!(b.view().cards.is_empty());
    assert_eq!(b.view().recall.len(), 1);
    b.apply(Event::OrderStatus {
        order_id: 1,
        status: OrderStatus::Preparing,
    });
    assert_eq!(b.view().cards.len(), 1);
    b.apply(Event::OrderStatus {
        order_id: 1,
        status: OrderStatus::Ready,
    });
    b.apply(Event::Tick(30 * 60_000 + 1));
    assert!(b.view().recall.is_empty());
}

#[test]
fn all_day_counts_add_up_open_quantities() {
    let mut b = Board::new(&Config::default(), 0);
    b.apply(Event::TicketArrived {
        ticket: ticket(1, 0, "Soup", 2),
        reprint: false,
    });
    b.apply(Event::TicketArrived {
        ticket: ticket(2, 1, "Soup", 3),
        reprint: false,
    });
    b.apply(Event::TicketArrived {
        ticket: ticket(3, 2, "Rice", 1),
        reprint: false,
    });
    assert_eq!(
        b.view().all_day,
        vec![("Soup".into(), 5), ("Rice".into(), 1)]
    );
    assert_eq!(b.oldest(), Some(1));
}

#[test]
fn reload_drops_closed_orders_but_not_unprinted_or_newer_tickets() {
    let mut b = Board::new(&Config::default(), 100);
    b.apply(Event::TicketArrived {
        ticket: ticket(1, 0, "Soup", 1),
        reprint: false,
    });
    b.apply(Event::TicketPrinted {
        order_id: 1,
        reprint: false,
    });
    b.apply(Event::TicketArrived {
        ticket: ticket(2, 0, "Soup", 1),
        reprint: false,
    });
    b.apply(Event::TicketNotPrinted {
        order_id: 2,
        reason: "paper out".into(),
    });
    b.apply(Event::Tick(10_000));
    b.apply(Event::TicketArrived {
        ticket: ticket(3, 0, "Soup", 1),
        reprint: false,
    });
    b.apply(Event::TicketPrinted {
        order_id: 3,
        reprint: false,
    });
    b.apply(Event::OpenOrders {
        tickets: vec![ticket(4, 0, "Tea", 1)],
        asked_at: 5_000,
    });
    let ids: Vec<i64> = b.view().cards.iter().map(|c| c.order_id).collect();
    assert_eq!(ids, vec![2, 3, 4]);
    assert!(b.view().cards[0].not_printed);
    assert!(b.view().printer_alert.contains("not printed"));
}

#[test]
fn reload_keeps_a_ticket_shown_within_a_tick_of_the_question() {
    // `now` is the last tick (9 s); the question was asked at 9.8 s,
    // just before this ticket arrived and printed: it stays.
    let mut b = Board::new(&Config::default(), 9_000);
    b.apply(Event::TicketArrived {
        ticket: ticket(5, 0, "Soup", 1),
        reprint: false,
    });
    b.apply(Event::TicketPrinted {
        order_id: 5,
        reprint: false,
    });
    b.apply(Event::OpenOrders {
        tickets: vec![],
        asked_at: 9_800,
    });
    assert!(b.is_shown(5));
}

#[test]
fn a_screen_only_device_drops_tickets_closed_elsewhere_on_reload() {
    let mut b = Board::new(&Config::default(), 1_000);
    b.apply(Event::Printer(PrinterState::NotConfigured));
    b.apply(Event::TicketArrived {
        ticket: ticket(6, 0, "Soup", 1),
        reprint: false,
    });
    b.apply(Event::Tick(60_000));
    b.apply(Event::OpenOrders {
        tickets: vec![],
        asked_at: 60_000,
    });
    assert!(!b.is_shown(6), "cancelled while the socket was down");
}

#[test]
fn a_screen_only_device_does_not_say_printing() {
    let mut b = Board::new(&Config::default(), 0);
    b.apply(Event::TicketArrived {
        ticket: ticket(1, 0, "Soup", 1),
        reprint: false,
    });
    assert_eq!(b.view().cards[0].print_text, "printing…");
    b.apply(Event::Printer(PrinterState::NotConfigured));
    assert_eq!(b.view().cards[0].print_text, "");
}

#[test]
fn losing_redis_or_the_api_raises_the_banner() {
    let mut b = Board::new(&Config::default(), 0);
    assert!(b.view().banner.is_empty());
    b.apply(Event::Redis {
        up: false,
        detail: "refused".into(),
    });
    assert!(b.view().banner.contains("REDIS"));
    b.apply(Event::Redis {
        up: true,
        detail: String::new(),
    });
    b.apply(Event::Api {
        up: false,
        detail: "timeout".into(),
    });
    assert!(b.view().banner.contains("API") && !b.view().banner.contains("REDIS"));
}

#[test]
fn a_void_takes_its_lines_off_the_card_and_says_so_and_a_void_of_all_drops_the_card() {
    let mut b = Board::new(&Config::default(), 0);
    let mut t = ticket(4, 0, "Crab", 3);
    t.items.push(TicketItem {
        qty: 1,
        name: "Japchae".into(),
        options: String::new(),
        note: None,
    });
    b.apply(Event::TicketArrived {
        ticket: t,
        reprint: false,
    });
    let void = |items: Vec<TicketItem>| crate::event::VoidInfo {
        void_id: 9,
        order_id: 4,
        number: 4,
        table: "T4".into(),
        reason: "wrong table".into(),
        items,
    };
    let crab = |qty| TicketItem {
        qty,
        name: "Crab".into(),
        options: String::new(),
        note: None,
    };
    b.apply(Event::VoidArrived(void(vec![crab(2)])));
    let v = b.view();
    let left: Vec<(u32, &str)> = v.cards[0]
        .items
        .iter()
        .map(|i| (i.qty, i.name.as_str()))
        .collect();
    assert_eq!(left, [(1, "Crab"), (1, "Japchae")]);
    assert_eq!(v.alerts, ["VOID #4 T4 — 2× Crab — wrong table"]);
    b.apply(Event::VoidArrived(void(vec![
        crab(1),
        TicketItem {
            qty: 1,
            name: "Japchae".into(),
            options: String::new(),
            note: None,
        },
    ])));
    assert!(b.view().cards.is_empty());
}

#[test]
fn a_removed_display_says_so_instead_of_any_connection_banner() {
    let mut b = Board::new(&Config::default(), 0);
    b.apply(Event::Api {
        up: false,
        detail: "HTTP 401".into(),
    });
    b.apply(Event::Redis {
        up: false,
        detail: "WRONGPASS".into(),
    });
    b.apply(Event::Removed);
    assert_eq!(b.view().banner, super::view::REMOVED);
    assert!(b.view().banner.contains("THIS DISPLAY WAS REMOVED"));
}
