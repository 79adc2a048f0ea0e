//! The kitchen screen's cost (`scripts/bench kds`): one whole frame drawn by
//! Slint's software renderer (what the Pi pays per full redraw) with fifty
//! tickets and with an empty board, at 800×480 and 1280×800, against the
//! same run's baseline — filling the frame buffer once, the floor of any
//! full redraw. Then the process's resident memory with fifty tickets shown.
//! Targets: frame under 16 ms, RSS under 50 MB.

#![allow(clippy::unwrap_used)]

#[path = "../tests/common/sample_board.rs"]
mod sample_board;

use std::hint::black_box;

use criterion::Criterion;
use kds::board::Board;
use kds::event::Event;
use kds::ui::{AppWindow, apply_view};
use slint::ComponentHandle;
use slint::platform::software_renderer::PremultipliedRgbaColor;

const SIZES: [(u32, u32); 2] = [(800, 480), (1280, 800)];

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let window = kds::render::install().unwrap();
    let app = AppWindow::new().unwrap();
    app.show().unwrap();
    let now = 1_750_000_000_000;
    let config = kds::Config {
        language: "en".into(),
        ..kds::Config::default()
    };
    let mut fifty = sample_board::board(now, 38);
    fifty.apply(Event::Tick(now + 1000));
    assert_eq!(fifty.view().cards.len(), 50);
    let boards = [("empty", Board::new(&config, now)), ("50 tickets", fifty)];

    let mut group = c.benchmark_group("frame");
    for (w, h) in SIZES {
        let mut buf = vec![PremultipliedRgbaColor::default(); (w * h) as usize];
        group.bench_function(format!("baseline: fill the buffer {w}x{h}"), |b| {
            b.iter(|| {
                buf.fill(black_box(PremultipliedRgbaColor {
                    red: 1,
                    green: 2,
                    blue: 3,
                    alpha: 255,
                }));
                black_box(&buf);
            });
        });
        window.set_size(slint::PhysicalSize::new(w, h));
        for (name, board) in &boards {
            apply_view(&app, &board.view());
            group.bench_function(format!("{name} {w}x{h}"), |b| {
                b.iter(|| {
                    kds::render::draw(&window, &mut buf, w as usize);
                    black_box(&buf);
                });
            });
        }
    }
    group.finish();

    // Fifty tickets on screen, drawn at the larger size.
    apply_view(&app, &boards[1].1.view());
    let (w, h) = SIZES[1];
    let mut buf = vec![PremultipliedRgbaColor::default(); (w * h) as usize];
    kds::render::draw(&window, &mut buf, w as usize);
    println!(
        "memory with 50 tickets shown ({w}x{h}): VmRSS {} kB, VmHWM {} kB",
        rss_kb("VmRSS:"),
        rss_kb("VmHWM:")
    );
    c.final_summary();
}
