//! The pairing screen of an unpaired display, tapped like a cook would
//! (Slint's testing backend), pairing with the real server (in process):
//! the address and the code typed on the on-screen keypad, a wrong code
//! refused in words, the right one stored in `paired.toml` by the same
//! pairing task the window runs. Its own binary: one Slint platform per
//! process.

#![allow(clippy::unwrap_used)]

#[path = "common/acl_redis.rs"]
mod acl_redis;
#[path = "common/server.rs"]
mod server;

use std::time::Duration;

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use kds::setup::Outcome;
use kds::ui::{AppWindow, KdsState, apply_pairing, end_pairing, show_pairing};
use serde_json::json;
use slint::ComponentHandle;
use slint::platform::PointerEventButton;

/// Tap the keypad's key labelled `label`.
fn key(app: &AppWindow, label: &str) {
    ElementHandle::find_by_accessible_label(app, label)
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .unwrap_or_else(|| panic!("no key {label:?} on the pairing screen"))
        .mock_single_click(PointerEventButton::Left);
}

fn type_on(app: &AppWindow, text: &str) {
    for c in text.chars() {
        key(app, &c.to_string());
    }
}

fn tap(app: &AppWindow, id: &str) {
    ElementHandle::find_by_element_id(app, id)
        .next()
        .unwrap_or_else(|| panic!("no {id}"))
        .mock_single_click(PointerEventButton::Left);
}

#[test]
fn a_display_is_paired_on_its_touch_screen_after_a_wrong_code_was_refused_in_words() {
    i_slint_backend_testing::init_no_event_loop();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let prefix = format!("kdstest-pairscreen-{}", std::process::id());
    // The display on a Redis user of its own, Redis' default user locked.
    let (_redis, server) = rt.block_on(acl_redis::acl_server(&prefix));
    let data = tempfile::tempdir().unwrap();

    let app = AppWindow::new().unwrap();
    app.window().set_size(slint::LogicalSize::new(800.0, 480.0));
    app.show().unwrap();
    let (attempts, attempts_rx) = tokio::sync::mpsc::unbounded_channel();
    show_pairing(&app, "", attempts);
    let (outcomes_tx, outcomes) = std::sync::mpsc::channel();
    let pairing = rt.spawn(kds::setup::serve(
        attempts_rx,
        data.path().to_path_buf(),
        move |o| {
            let _ = outcomes_tx.send(o);
        },
    ));
    let state = app.global::<KdsState>();
    let next_outcome = || {
        let o = outcomes
            .recv_timeout(Duration::from_secs(20))
            .expect("an outcome within 20 s");
        apply_pairing(&app, &o);
        o
    };

    // The address, on the digits and then the letters (one typed, one deleted).
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    type_on(&app, "127.0.0.1:");
    key(&app, "abc");
    key(&app, "x");
    assert!(state.get_pair_address().ends_with('x'));
    key(&app, "⌫");
    key(&app, "123");
    type_on(&app, &port);
    assert_eq!(state.get_pair_address(), format!("127.0.0.1:{port}"));

    // The code field takes digits only; the address keys do nothing there.
    tap(&app, "PairingPage::code-entry");
    assert_eq!(state.get_pair_field(), 1);
    type_on(&app, "0000.0000");
    key(&app, ":8080");
    assert_eq!(state.get_pair_code(), "00000000");
    tap(&app, "PairingPage::pair-button");
    assert!(state.get_pair_busy(), "pairing in progress");
    assert_eq!(
        state.get_pair_message(),
        format!("Pairing with http://127.0.0.1:{port}…")
    );
    let refused = next_outcome();
    assert!(
        matches!(&refused, Outcome::Failed(w) if w.starts_with("Wrong or expired code")),
        "{refused:?}"
    );
    assert!(state.get_pair_failed() && !state.get_pair_busy());
    assert!(
        state
            .get_pair_message()
            .starts_with("Wrong or expired code")
    );
    assert!(!data.path().join("paired.toml").exists());

    // A new code from the console, typed over the wrong one.
    let code = rt.block_on(server.admin(
        reqwest::Method::POST,
        "/devices/pairing-codes",
        Some(json!({"name": "Fry station", "station": "kitchen"})),
    ))["code"]
        .as_str()
        .unwrap()
        .to_owned();
    key(&app, "Clear");
    type_on(&app, &code);
    tap(&app, "PairingPage::pair-button");
    let paired = next_outcome();
    assert_eq!(
        paired,
        Outcome::Paired("Paired as Fry station (station kitchen). Starting the display…".into())
    );
    assert!(!state.get_pair_failed());
    let device = rt
        .block_on(pairing)
        .unwrap()
        .expect("the pairing task ends with the device");
    assert_eq!(device.name, "Fry station");
    let stored = std::fs::read_to_string(data.path().join("paired.toml")).unwrap();
    assert!(
        stored.contains(&format!("api_token = \"{}\"", device.token)),
        "{stored}"
    );

    // The window's next step: the board.
    end_pairing(&app);
    assert!(!state.get_pairing());
    assert!(
        ElementHandle::find_by_element_id(&app, "PairingPage::pair-button")
            .next()
            .is_none()
    );
}
