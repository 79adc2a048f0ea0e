//! Headless rendering: the UI drawn by Slint's software renderer into PNGs,
//! no display needed. Its own test binary with one test, because a process
//! can have only one Slint platform.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use kds::board::Board;
use kds::event::{AlertKind, Event, PrinterState, TicketInfo, TicketItem};
use kds::ui::{AppWindow, apply_view};
use slint::ComponentHandle;

const MIN: i64 = 60_000;

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
fn board(now: i64, extra: usize) -> Board {
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

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn twelve_tickets_render_readably_at_800x480_and_1280x800_and_fifty_render_in_time() {
    let window = kds::render::install().unwrap();
    let app = AppWindow::new().unwrap();
    app.show().unwrap();
    let now = 1_750_000_000_000;
    // Under target/ so that test runs never touch the sources; the best
    // renderings are copied to docs/screenshots by hand.
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&out).unwrap();

    let mut b = board(now, 0);
    b.apply(Event::Tick(now));
    apply_view(&app, &b.view());
    for (w, h) in [(800, 480), (1280, 800)] {
        let img = kds::render::render(&window, w, h);
        img.save(out.join(format!("kds-{w}x{h}.png"))).unwrap();
        // Not blank: the header colours of fresh, warning and late tickets are all there.
        let has = |rgb: [u8; 3]| img.pixels().any(|p| p.0[..3] == rgb);
        assert!(has([0xd3, 0x2f, 0x2f]), "a red (late) header at {w}x{h}");
        assert!(
            has([0xf2, 0xb7, 0x05]),
            "a yellow (warning) header at {w}x{h}"
        );
    }
    // Same input, same pixels.
    let again = kds::render::render(&window, 1280, 800);
    assert_eq!(again, kds::render::render(&window, 1280, 800));

    // Fifty tickets: frame time and memory (see README, Performance).
    let mut b = board(now, 38);
    b.apply(Event::Tick(now + 1000));
    apply_view(&app, &b.view());
    let _ = kds::render::render(&window, 1280, 800);
    let frames = 10;
    let start = Instant::now();
    for i in 0..frames {
        b.apply(Event::Tick(now + 2000 + i * 1000));
        apply_view(&app, &b.view());
        let _ = kds::render::render(&window, 1280, 800);
    }
    let per_frame = start.elapsed() / u32::try_from(frames).unwrap();
    println!(
        "50 tickets, 1280x800, debug build: {per_frame:?} per frame (update + full redraw), RSS {} kB",
        rss_kb()
    );
}
