//! Headless rendering: the UI drawn by Slint's software renderer into PNGs,
//! no display needed. Its own test binary with one test, because a process
//! can have only one Slint platform. (Frame time and memory with fifty
//! tickets are measured by `cargo bench -p qrorder-kds --bench screen`.)

#![allow(clippy::unwrap_used)]

#[path = "common/sample_board.rs"]
mod sample_board;

use kds::event::Event;
use kds::setup::Outcome;
use kds::ui::{AppWindow, KdsState, apply_pairing, apply_view, show_pairing};
use sample_board::board;
use slint::ComponentHandle;

#[test]
fn twelve_tickets_and_the_pairing_screen_render_readably_at_800x480_and_1280x800() {
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

    // Not paired: the pairing screen covers the board, a refusal in words.
    let (attempts, _rx) = tokio::sync::mpsc::unbounded_channel();
    show_pairing(&app, "192.168.1.20:8080", attempts);
    app.global::<KdsState>().set_pair_code("1234567".into());
    apply_pairing(
        &app,
        &Outcome::Failed("Wrong or expired code. Check the digits, or make a new code on the console (Devices → Pair a display): a code works once, for 10 minutes.".into()),
    );
    for (w, h) in [(800, 480), (1280, 800)] {
        let img = kds::render::render(&window, w, h);
        img.save(out.join(format!("kds-pairing-{w}x{h}.png")))
            .unwrap();
        let has = |rgb: [u8; 3]| img.pixels().any(|p| p.0[..3] == rgb);
        assert!(
            has([0x4f, 0xc3, 0xf7]),
            "the active field's border at {w}x{h}"
        );
        assert!(has([0xff, 0x6f, 0x60]), "the refusal's colour at {w}x{h}");
        assert!(
            !has([0xd3, 0x2f, 0x2f]),
            "no late ticket shows through at {w}x{h}"
        );
    }
    // The letters, for a host name.
    app.global::<KdsState>().set_pair_field(0);
    app.global::<KdsState>().set_pair_letters(true);
    let letters = kds::render::render(&window, 800, 480);
    letters
        .save(out.join("kds-pairing-letters-800x480.png"))
        .unwrap();
    app.global::<KdsState>().set_pair_letters(false);
    let digits = kds::render::render(&window, 800, 480);
    assert_ne!(letters, digits, "the letters replace the digits");
}
