//! Layout properties: no line is ever wider than the paper.

use printer::emulator::{Emulator, Model};
use printer::ticket::{Paper, layout};
use printer::transport::memory::MemoryTransport;
use printer::{KoreanText, LayoutOptions, PrintError, Printer, PrinterConfig, Ticket};
use proptest::prelude::*;
use qrorder_shared::LocalizedText;
use qrorder_shared::stream::{OrderPayloadItem, OrderPayloadOption};

use crate::support::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z ]{0,80}",
        "[가-힣 ]{0,60}",
        "[a-z가-힣0-9 ]{0,40}",
        any::<String>(),
        "[a-zA-Z]{60,120}",
    ]
}

fn item() -> impl Strategy<Value = OrderPayloadItem> {
    (
        text(),
        any::<u32>(),
        prop::collection::vec((text(), text()), 0..3),
        prop::option::of(text()),
    )
        .prop_map(|(name, qty, options, note)| OrderPayloadItem {
            menu_item_id: qrorder_shared::MenuItemId(1),
            name: LocalizedText::new(&[("ko", &name)]),
            qty,
            options: options
                .iter()
                .map(|(g, o)| OrderPayloadOption {
                    group: LocalizedText::new(&[("ko", g)]),
                    option: LocalizedText::new(&[("ko", o)]),
                })
                .collect(),
            note,
            station: "kitchen".into(),
        })
}

fn options() -> impl Strategy<Value = LayoutOptions> {
    (
        prop_oneof![
            Just(Paper::Mm58),
            Just(Paper::Mm80Cols42),
            Just(Paper::Mm80)
        ],
        prop_oneof![Just(KoreanText::CodePage), Just(KoreanText::Raster)],
    )
        .prop_map(|(paper, korean)| LayoutOptions {
            paper,
            korean,
            ..LayoutOptions::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_laid_out_line_is_wider_than_the_paper(
        table in text(), station in text(), device in text(), reprint in any::<bool>(),
        number in any::<u32>(), order_id in any::<i64>(), placed_at in any::<i64>(),
        items in prop::collection::vec(item(), 0..5), opts in options(),
    ) {
        let mut order = order();
        order.table_name = table;
        order.number = number;
        order.order_id = order_id;
        order.placed_at = placed_at / 4;
        order.items = items.into_iter().map(|mut i| { i.station = station.clone(); i }).collect();
        let t = Ticket::new(order, station, device, reprint);
        for line in layout(&t, &opts) {
            prop_assert!(line.columns() <= opts.paper.columns(), "{:?} is wider than {}", line, opts.paper.columns());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The same through the printer: encoded, parsed and printed, nothing wraps.
    #[test]
    fn the_printer_never_has_to_wrap_a_line(items in prop::collection::vec(item(), 1..3), opts in options()) {
        let mut order = order();
        order.items = items;
        let t = Ticket::new(order, "kitchen", "kds", false);
        let mut e = Emulator::new(Model { width_dots: opts.paper.width_dots(), ..Model::default() });
        e.feed(&t.encode(&opts).expect("encodes"));
        prop_assert_eq!(e.printouts.len(), 1);
        for l in &e.printouts[0].lines {
            prop_assert!(!l.wrapped, "{:?}", l);
        }
    }
}

#[tokio::test]
async fn in_memory_transport_prints_and_refuses_like_the_real_thing() {
    let mem = MemoryTransport::new(Model::default());
    let printer = Printer::new(mem.clone(), PrinterConfig::default());
    printer.print(&ticket()).await.expect("confirmed");
    assert_eq!(mem.with(|e| e.printouts.len()), 1);
    mem.with(|e| {
        let mut f = e.faults;
        f.cover_open = true;
        e.set_faults(f)
    });
    let err = printer.print(&ticket()).await.expect_err("cover open");
    assert!(
        matches!(err, PrintError::CoverOpen { sent: false }),
        "{err:?}"
    );
    assert_eq!(mem.with(|e| e.printouts.len()), 1);
}

#[tokio::test]
async fn file_transport_cannot_confirm_so_print_refuses() {
    let path = out_dir();
    let printer = Printer::open(
        &format!("file:{}", path.display()),
        PrinterConfig::default(),
    )
    .expect("address");
    let err = printer
        .print(&ticket())
        .await
        .expect_err("no status from a file");
    assert!(matches!(err, PrintError::CannotConfirm), "{err:?}");
}

#[test]
fn a_ticket_for_a_station_without_items_says_so() {
    let t = Ticket::new(order(), "dessert", "kds-2", false);
    assert!(!t.has_items());
    assert!(Ticket::new(order(), "bar", "kds-2", false).has_items());
}

/// Found by the property above in CI: '궞' is in Windows-949 but not in
/// KS X 1001, so a Korean printer read its lead byte as one character and
/// its trail byte as the lead of the next, and the line wrapped.
#[test]
fn a_syllable_outside_ks_x_1001_prints_as_a_question_mark_and_nothing_wraps() {
    let mut order = order();
    order.items.truncate(1);
    order.items[0].name = LocalizedText::new(&[("ko", "궞쐴")]);
    order.items[0].qty = 0;
    order.items[0].options.clear();
    order.items[0].note = Some("lO LXezdyWShD cLjqEvfSx EvPHLODvNUChLI XGH    o  FJ KP YAm".into());
    let t = Ticket::new(order, "kitchen", "kds", false);
    let opts = LayoutOptions {
        paper: Paper::Mm80,
        korean: KoreanText::CodePage,
        language: "ko".into(),
        utc_offset_minutes: 540,
    };
    let mut e = Emulator::new(Model {
        width_dots: opts.paper.width_dots(),
        ..Model::default()
    });
    e.feed(&t.encode(&opts).expect("encodes"));
    assert_eq!(e.printouts.len(), 1);
    let lines = &e.printouts[0].lines;
    assert!(lines.iter().all(|l| !l.wrapped), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.text.contains("0 x ?쐴")),
        "{lines:?}"
    );
}
