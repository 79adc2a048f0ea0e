//! The virtual printer's parser and page survive any byte stream (the
//! proptest stand-in for a cargo-fuzz target), and recover from garbage.
//!
//! Fuzz inputs per run: 1000 random byte streams + 1000 ESC/POS-like
//! streams + 600 mutated real tickets = 2600, each fed in chunks of random
//! sizes. The mutated tickets are the encoded ticket of the other tests as
//! 8 variants (code page and raster, 58 and 80 mm, with and without
//! REPRINT), each hit by 1–6 random byte flips, overwrites, insertions,
//! deletions, truncations and splices from another variant.
//!
//! Recovery: after a mutated stream, `ESC @` and a clean ticket must print
//! that ticket exactly (its lines, styles included, end the printout; rows
//! the garbage left on the paper may come before them, as on a printer):
//!
//! - always on a new connection (a fresh parser, the same paper), which is
//!   how the virtual printer serves each connection and how
//!   `printer::Printer` recovers from a failed print (`DLE DC4 8`, then a
//!   new connection);
//! - on the same stream only when the parser is idle after the garbage. By
//!   design it is not always: garbage can end inside a length-prefixed
//!   command (a `GS v 0` image, `GS ( …`, `ESC *`) whose declared length
//!   then takes the following bytes, `ESC @` and the clean ticket included,
//!   as its data, exactly as a real printer does. The test checks both
//!   situations occur and the property wherever it is defined.

use std::cell::Cell;
use std::sync::mpsc;
use std::time::Duration;

use printer::emulator::page::Page;
use printer::emulator::parser::Parser;
use printer::emulator::{Emulator, Model, PrintedLine, Printout};
use printer::{KoreanText, LayoutOptions, Paper};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};

use crate::support::ticket;

/// Byte streams that look like ESC/POS: command prefixes with random
/// arguments, text, and noise.
fn escposish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..8),
        Just(b"\x1b@".to_vec()),
        Just(b"\x1d(H".to_vec()),
        Just(b"\x1dv0\x00".to_vec()),
        Just(b"\x1b*".to_vec()),
        Just(b"\x1dV".to_vec()),
        Just(b"\x1c&".to_vec()),
        Just(b"\x10\x04".to_vec()),
        Just(b"\x10\x14\x08".to_vec()),
        Just(b"\x1d8L".to_vec()),
        Just(b"\x1b!".to_vec()),
        Just(b"\x1d!".to_vec()),
        "[a-z\u{AC00}-\u{AC20}]{0,10}".prop_map(|s| s.into_bytes()),
        Just(vec![0xB0, 0xA1, 0x0A]),
    ];
    prop::collection::vec(piece, 0..64).prop_map(|v| v.concat())
}

/// Feed `bytes` to a parser and a page in chunks of the given sizes (used
/// in turn); returns the tickets cut.
fn feed(parser: &mut Parser, page: &mut Page, bytes: &[u8], chunks: &[usize]) -> Vec<Printout> {
    let mut printed = Vec::new();
    let (mut at, mut commands) = (0, 0);
    for &size in chunks.iter().cycle() {
        if at >= bytes.len() {
            break;
        }
        let end = bytes.len().min(at + size.max(1));
        for cmd in parser.feed(&bytes[at..end]) {
            commands += 1;
            printed.extend(page.apply(cmd));
        }
        at = end;
    }
    // Every command takes at least one byte: progress, never a loop.
    assert!(
        commands <= bytes.len(),
        "{commands} commands from {at} bytes"
    );
    printed
}

fn run(bytes: &[u8], chunk: usize) {
    feed(
        &mut Parser::new(),
        &mut Page::new(Model::default()),
        bytes,
        &[chunk],
    );
    let mut e = Emulator::new(Model {
        width_dots: 384,
        ..Model::default()
    });
    let _ = e.feed(bytes);
}

proptest! {
    // 1000 + 1000 cases per run.
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_bytes_never_crash_the_parser(bytes in prop::collection::vec(any::<u8>(), 0..1024), chunk in 1usize..64) {
        run(&bytes, chunk);
    }

    #[test]
    fn escpos_like_streams_never_crash_the_parser(bytes in escposish(), chunk in 1usize..64) {
        run(&bytes, chunk);
    }
}

/// Mutated tickets per run.
const MUTATED_CASES: u32 = 600;

/// The real tickets mutations start from: code page and raster, 58 and 80
/// mm, with and without the REPRINT banners.
fn real_tickets() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for korean in [KoreanText::CodePage, KoreanText::Raster] {
        for paper in [Paper::Mm58, Paper::Mm80] {
            for reprint in [false, true] {
                let mut t = ticket();
                t.reprint = reprint;
                let opts = LayoutOptions {
                    paper,
                    korean,
                    ..LayoutOptions::default()
                };
                out.push(t.encode(&opts).expect("encodes"));
            }
        }
    }
    out
}

/// A byte that often matters to the parser, or any byte.
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        prop::sample::select(vec![0x00, 0x0A, 0x10, 0x1B, 0x1C, 0x1D, 0x30, 0xFF]),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Overwrite(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    /// Insert a piece of another ticket: (where, which, from, length).
    Splice(Index, Index, Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, bit)| Mutation::Flip(i, bit)),
        (any::<Index>(), byte()).prop_map(|(i, b)| Mutation::Overwrite(i, b)),
        (any::<Index>(), prop::collection::vec(byte(), 1..16))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), 1usize..256).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>(), any::<Index>(), 1usize..2048)
            .prop_map(|(i, t, s, n)| Mutation::Splice(i, t, s, n)),
    ]
}

fn mutate(bytes: &mut Vec<u8>, m: &Mutation, tickets: &[Vec<u8>]) {
    let len = bytes.len();
    match m {
        Mutation::Flip(i, bit) if len > 0 => bytes[i.index(len)] ^= 1 << bit,
        Mutation::Overwrite(i, b) if len > 0 => bytes[i.index(len)] = *b,
        Mutation::Insert(i, b) => {
            let at = i.index(len + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Mutation::Delete(i, n) if len > 0 => {
            let at = i.index(len);
            bytes.drain(at..len.min(at + n));
        }
        Mutation::Truncate(i) => bytes.truncate(i.index(len + 1)),
        Mutation::Splice(i, t, s, n) => {
            let other = t.get(tickets);
            let from = s.index(other.len());
            let piece = &other[from..other.len().min(from + n)];
            let at = i.index(len + 1);
            bytes.splice(at..at, piece.iter().copied());
        }
        _ => {}
    }
}

/// One mutated ticket: the ticket, the mutations, chunk sizes, and which
/// clean ticket to print after it.
type Case = (Index, Vec<Mutation>, Vec<usize>, Index);

fn case() -> impl Strategy<Value = Case> {
    (
        any::<Index>(),
        prop::collection::vec(mutation(), 1..=6),
        prop::collection::vec(1usize..=512, 1..8),
        any::<Index>(),
    )
}

/// The lines of the last ticket cut, which must be the only one.
fn only_printout(printed: &[Printout], what: &str) -> Result<Vec<PrintedLine>, TestCaseError> {
    prop_assert_eq!(printed.len(), 1, "{}: one ticket cut", what);
    Ok(printed[0].lines.clone())
}

/// How many mutated streams left the parser idle, and how many inside a
/// command.
#[derive(Debug, Default)]
struct Seen {
    idle: Cell<u32>,
    mid_command: Cell<u32>,
}

fn mutated_tickets() -> Seen {
    let tickets = real_tickets();
    let init = [0x1B, b'@'];
    // What each clean ticket prints on fresh paper.
    let expected: Vec<Vec<PrintedLine>> = tickets
        .iter()
        .map(|t| {
            let mut page = Page::new(Model::default());
            let printed = feed(&mut Parser::new(), &mut page, t, &[4096]);
            assert_eq!(printed.len(), 1, "a clean ticket is one ticket");
            assert!(printed[0].lines.len() > 10, "a whole ticket's lines");
            printed[0].lines.clone()
        })
        .collect();
    let seen = Seen::default();
    let mut runner = TestRunner::new(Config {
        cases: MUTATED_CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&case(), |(base, mutations, chunks, clean)| {
        let mut bytes = base.get(&tickets).clone();
        for m in &mutations {
            mutate(&mut bytes, m, &tickets);
        }
        let clean_bytes = clean.get(&tickets);
        let want = clean.get(&expected);
        let ends_with_clean = |got: &[PrintedLine]| got.ends_with(want);

        // The same stream: garbage, then ESC @ and the clean ticket.
        let mut parser = Parser::new();
        let mut page = Page::new(Model::default());
        feed(&mut parser, &mut page, &bytes, &chunks);
        let idle = parser.is_idle();
        let mut page_b = page.clone();
        feed(&mut parser, &mut page, &init, &chunks);
        let printed = feed(&mut parser, &mut page, clean_bytes, &chunks);
        if idle {
            seen.idle.set(seen.idle.get() + 1);
            let got = only_printout(&printed, "same stream")?;
            prop_assert!(ends_with_clean(&got), "same stream:\n{:#?}", got);
        } else {
            seen.mid_command.set(seen.mid_command.get() + 1);
        }

        // A new connection: a fresh parser, the same paper.
        let mut parser = Parser::new();
        feed(&mut parser, &mut page_b, &init, &chunks);
        let printed = feed(&mut parser, &mut page_b, clean_bytes, &chunks);
        let got = only_printout(&printed, "new connection")?;
        prop_assert!(ends_with_clean(&got), "new connection:\n{:#?}", got);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    seen
}

#[test]
fn mutated_tickets_never_crash_the_parser_and_a_clean_ticket_prints_after_them() {
    // On a thread, so that a parser stuck in a loop fails the test in
    // bounded time instead of hanging it.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(mutated_tickets());
    });
    let seen = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(seen) => seen,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the parser hangs on a mutated ticket"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("a mutated ticket failed (above)"),
    };
    // Both situations are exercised, or the property above proves nothing.
    let least = MUTATED_CASES / 10;
    assert!(
        seen.idle.get() >= least && seen.mid_command.get() >= least,
        "{seen:?} of {MUTATED_CASES}"
    );
}
