//! The UI driven like a cook would: taps simulated with Slint's testing
//! backend (its own test binary: one Slint platform per process).

#![allow(clippy::unwrap_used)]

use i_slint_backend_testing::ElementHandle;
use kds::board::Board;
use kds::event::{Command, Event, TicketInfo, TicketItem};
use kds::ui::{AppWindow, KdsState, apply_view, connect};
use qrorder_shared::order::OrderStatus;
use slint::platform::PointerEventButton;
use slint::{ComponentHandle, Model};

fn ticket(id: i64, placed_at: i64) -> TicketInfo {
    TicketInfo {
        order_id: id,
        number: u32::try_from(id).unwrap(),
        table: format!("T{id}"),
        placed_at,
        items: vec![TicketItem {
            qty: 1,
            name: "Soup".into(),
            options: String::new(),
            note: None,
        }],
    }
}

#[test]
fn tapping_a_ticket_bumps_it_and_the_recall_list_brings_it_back() {
    i_slint_backend_testing::init_no_event_loop();
    let app = AppWindow::new().unwrap();
    app.window()
        .set_size(slint::LogicalSize::new(1280.0, 800.0));
    app.show().unwrap();
    let (commands, mut commands_rx) = tokio::sync::mpsc::unbounded_channel();
    let (ui_actions, _ui_rx) = tokio::sync::mpsc::unbounded_channel();
    connect(&app, commands, ui_actions);

    let mut b = Board::new(&kds::Config::default(), 10_000);
    b.apply(Event::TicketArrived {
        ticket: ticket(7, 1_000),
        reprint: false,
    });
    b.apply(Event::TicketArrived {
        ticket: ticket(8, 2_000),
        reprint: false,
    });
    apply_view(&app, &b.view());
    assert_eq!(app.global::<KdsState>().get_tickets().row_count(), 2);

    // Tap the second card (oldest first: order 8).
    let cards: Vec<_> = ElementHandle::find_by_element_id(&app, "TicketCard::bump-area").collect();
    assert_eq!(cards.len(), 2);
    let mut by_x: Vec<_> = cards.iter().map(|c| (c.absolute_position().x, c)).collect();
    by_x.sort_by(|a, b| a.0.total_cmp(&b.0));
    by_x[1].1.mock_single_click(PointerEventButton::Left);
    assert_eq!(commands_rx.try_recv().unwrap(), Command::Bump(8));

    // The API said yes: the ticket leaves the grid and can be recalled.
    b.apply(Event::OrderStatus {
        order_id: 8,
        status: OrderStatus::Ready,
    });
    apply_view(&app, &b.view());
    assert_eq!(app.global::<KdsState>().get_tickets().row_count(), 1);
    let recall_button = ElementHandle::find_by_element_id(&app, "TicketsPage::recall-button")
        .next()
        .unwrap();
    recall_button.mock_single_click(PointerEventButton::Left);
    assert!(app.global::<KdsState>().get_show_recall());
    let recall = ElementHandle::find_by_element_id(&app, "RecallPage::recall-item")
        .next()
        .unwrap();
    recall.mock_single_click(PointerEventButton::Left);
    assert_eq!(commands_rx.try_recv().unwrap(), Command::Recall(8));
    assert!(!app.global::<KdsState>().get_show_recall());
}
