//! The virtual printer's parser and page survive any byte stream (the
//! proptest stand-in for a cargo-fuzz target).

use printer::emulator::page::Page;
use printer::emulator::parser::Parser;
use printer::emulator::{Emulator, Model};
use proptest::prelude::*;

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

fn run(bytes: &[u8], chunk: usize) {
    let mut parser = Parser::new();
    let mut page = Page::new(Model::default());
    for c in bytes.chunks(chunk.max(1)) {
        for cmd in parser.feed(c) {
            let _ = page.apply(cmd);
        }
    }
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
