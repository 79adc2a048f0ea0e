//! How long encoding one ticket takes (target: well under 50 µs), against
//! the same run's baseline: the least any ticket layout does — the same
//! ticket's content (table, number, time, station, items with quantities,
//! options, notes) written as plain text lines into a `String`, with no
//! fitting, wrapping or ESC/POS.
//!
//! After criterion's own figures, the three are timed once more in
//! alternation (so a busy machine slows them alike) and printed as ratios
//! to the baseline.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use printer::ticket::{layout, local_time};
use printer::{KoreanText, LayoutOptions, Paper, Ticket};
use qrorder_shared::stream::{
    ORDER_PAYLOAD_SCHEMA, OrderPayload, OrderPayloadItem, OrderPayloadOption,
};
use qrorder_shared::{LocalizedText, MenuItemId, RestaurantId};

fn ticket() -> Ticket {
    let item = |name: &str, en: &str, qty| OrderPayloadItem {
        menu_item_id: MenuItemId(1),
        name: LocalizedText::new(&[("ko", name), ("en", en)]),
        qty,
        options: vec![OrderPayloadOption {
            group: LocalizedText::new(&[("ko", "맵기")]),
            option: LocalizedText::new(&[("ko", "보통")]),
        }],
        note: Some("양파 빼주세요".into()),
        station: "kitchen".into(),
    };
    Ticket::new(
        OrderPayload {
            schema: ORDER_PAYLOAD_SCHEMA,
            restaurant_id: RestaurantId(1),
            order_id: 1,
            number: 17,
            table_name: "창가 3".into(),
            placed_at: 1_714_532_640_000,
            items: vec![
                item("비빔밥", "Bibimbap", 2),
                item("김치찌개", "Kimchi stew", 1),
                item("Fries", "Fries", 3),
                item("불고기", "Bulgogi", 1),
            ],
        },
        "kitchen",
        "kds-1",
        false,
    )
}

/// The baseline: the ticket's content as plain text, one line per thing
/// printed, in the layout's language.
fn plain_text(t: &Ticket, opts: &LayoutOptions) -> String {
    let o = &t.order;
    let lang = opts.language.as_str();
    let mut s = String::new();
    let _ = writeln!(s, "{}\n#{}", o.table_name, o.number);
    let time = local_time(o.placed_at, opts.utc_offset_minutes);
    let _ = writeln!(s, "{time} {}", t.station);
    for item in o.items.iter().filter(|i| i.station == t.station) {
        let name = item.name.get(lang).unwrap_or("?");
        let _ = writeln!(s, "{} x {name}", item.qty);
        for opt in &item.options {
            let group = opt.group.get(lang).unwrap_or("");
            let _ = writeln!(s, "- {group}: {}", opt.option.get(lang).unwrap_or("?"));
        }
        if let Some(note) = &item.note {
            let _ = writeln!(s, "NOTE: {note}");
        }
    }
    let _ = writeln!(s, "order {} device {}", o.order_id, t.device);
    s
}

fn options(korean: KoreanText) -> LayoutOptions {
    LayoutOptions {
        paper: Paper::Mm80,
        korean,
        ..LayoutOptions::default()
    }
}

/// Median time per call of each job, timed in alternating rounds.
fn alternating(jobs: &[&dyn Fn()], rounds: usize, calls: u32) -> Vec<Duration> {
    let mut times = vec![Vec::with_capacity(rounds); jobs.len()];
    for _ in 0..rounds {
        for (job, t) in jobs.iter().zip(&mut times) {
            let start = Instant::now();
            for _ in 0..calls {
                job();
            }
            t.push(start.elapsed() / calls);
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort();
            t[t.len() / 2]
        })
        .collect()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let t = ticket();
    let codepage = options(KoreanText::CodePage);
    let raster = options(KoreanText::Raster);

    let mut group = c.benchmark_group("4-item ticket");
    group.bench_function("baseline: plain text", |b| {
        b.iter(|| plain_text(black_box(&t), black_box(&codepage)))
    });
    for (name, opts) in [("codepage", &codepage), ("raster", &raster)] {
        group.bench_function(format!("encode ({name})"), |b| {
            b.iter(|| t.encode(black_box(opts)))
        });
        // Where the time goes: the layout alone (fitting, wrapping).
        group.bench_function(format!("layout only ({name})"), |b| {
            b.iter(|| layout(black_box(&t), black_box(opts)))
        });
    }
    group.finish();
    c.final_summary();

    // `cargo test --benches` runs each benchmark once, without `--bench`:
    // no ratios then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let jobs: [&dyn Fn(); 3] = [
        &|| drop(black_box(plain_text(black_box(&t), &codepage))),
        &|| drop(black_box(t.encode(black_box(&codepage)))),
        &|| drop(black_box(t.encode(black_box(&raster)))),
    ];
    let m = alternating(&jobs, 101, 200);
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let ratio = |d: Duration| d.as_secs_f64() / m[0].as_secs_f64();
    println!("same-run ratios (medians of 101 alternating rounds of 200 calls):");
    println!("  baseline, plain text:  {:8.2} µs", us(m[0]));
    println!(
        "  encode, code page:     {:8.2} µs  = {:5.1} × baseline",
        us(m[1]),
        ratio(m[1])
    );
    println!(
        "  encode, raster:        {:8.2} µs  = {:5.1} × baseline",
        us(m[2]),
        ratio(m[2])
    );
}
