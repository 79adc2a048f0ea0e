//! A busy board for rendering tests and the screen benchmark: twelve
//! tickets of different ages (fresh, warning, late), a REPRINT, a NOT
//! PRINTED mark, a printer fault, a dead-letter alert — plus `extra` fresh
//! tickets.

#![allow(clippy::unwrap_used, dead_code)]

use kds::board::Board;
use kds::event::{AlertKind, Event, PrinterState, TicketInfo, TicketItem};

pub const MIN: i64 = 60_000;

fn item(qty: u32, name: &str, options: &str, note: Option<&str>) -> TicketItem {
    TicketItem {
        qty,
        name: name.into(),
        options: options.into(),
        note: note.map(Into::into),
    }
}

/// Twelve tickets of different ages; the kitchen's share of orders that
/// also had bar items (those never reach this board).
pub fn board(now: i64, extra: usize) -> Board {
    let config = kds::Config {
        language: "en".into(),
        ..kds::Config::default()
    };
    let mut b = Board::new(&config, now);
    let menu = [
        vec![
            item(2, "Bibimbap", "Rice: Brown, Egg: Fried", None),
            item(1, "Kimchi pancake", "", Some("no shellfish — allergy")),
        ],
        vec![item(1, "Bulgogi", "Size: Large", None)],
        vec![
            item(3, "Mandu (dumplings)", "Filling: Pork", None),
            item(1, "Japchae", "", None),
        ],
        vec![item(
            1,
            "Sundubu jjigae",
            "Spicy: Extra hot",
            Some("extra egg"),
        )],
        vec![item(2, "Tteokbokki", "", None)],
        vec![
            item(1, "Galbi", "Size: Regular", None),
            item(2, "Steamed rice", "", None),
        ],
    ];
    let ages = [14, 11, 9, 7, 6, 5, 4, 3, 2, 1, 0, 0];
    for (i, age) in ages
        .iter()
        .chain(std::iter::repeat_n(&0, extra))
        .enumerate()
    {
        let id = 40 + i64::try_from(i).unwrap();
        b.apply(Event::TicketArrived {
            ticket: TicketInfo {
                order_id: id,
                number: u32::try_from(id).unwrap(),
                table: format!("Table {}", 1 + i % 9),
                placed_at: now - age * MIN - 17_000,
                items: menu[i % menu.len()].clone(),
            },
            reprint: i == 2,
        });
        if i < 9 {
            b.apply(Event::TicketPrinted {
                order_id: id,
                reprint: i == 2,
            });
        }
    }
    b.apply(Event::TicketNotPrinted {
        order_id: 49,
        reason: "paper out".into(),
    });
    b.apply(Event::Printer(PrinterState::PaperOut));
    b.apply(Event::Unacked(3));
    b.apply(Event::Redis {
        up: true,
        detail: String::new(),
    });
    b.apply(Event::Api {
        up: true,
        detail: String::new(),
    });
    b.apply(Event::Alert {
        kind: AlertKind::DeadLetter,
        text: "Entry 1716-0 could not be handled: unknown payload schema 2".into(),
    });
    b
}
