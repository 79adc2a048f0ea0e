//! Printing refuses, fails loudly, or times out when the printer cannot
//! print — and recovers without leftovers when the fault clears.

use std::time::{Duration, Instant};

use printer::emulator::Model;
use printer::{Confirm, LayoutOptions, PrintError, Printer, PrinterConfig};

use crate::support::*;

#[tokio::test]
async fn paper_out_is_refused_before_anything_is_sent() {
    let vp = virtual_printer(Model::default()).await;
    set_state(&vp, r#"{"paper_out": true}"#).await;
    let err = client(&vp, LayoutOptions::default())
        .print(&ticket())
        .await
        .expect_err("no paper, no print");
    assert!(
        matches!(err, PrintError::PaperOut { sent: false }),
        "{err:?}"
    );
    assert_eq!(vp.busy(), 0, "nothing was sent");
    assert!(tickets(&vp).await.is_empty());
}

#[tokio::test]
async fn cover_open_is_refused_before_anything_is_sent() {
    let vp = virtual_printer(Model::default()).await;
    set_state(&vp, r#"{"cover_open": true}"#).await;
    let err = client(&vp, LayoutOptions::default())
        .print(&ticket())
        .await
        .expect_err("cover open, no print");
    assert!(
        matches!(err, PrintError::CoverOpen { sent: false }),
        "{err:?}"
    );
    assert_eq!(vp.busy(), 0);
}

#[tokio::test]
async fn offline_printer_gives_a_timeout_within_the_bound() {
    let vp = virtual_printer(Model::default()).await;
    set_state(&vp, r#"{"offline": true}"#).await;
    let started = Instant::now();
    let err = client(&vp, LayoutOptions::default())
        .print(&ticket())
        .await
        .expect_err("offline, no print");
    let took = started.elapsed();
    assert!(
        matches!(err, PrintError::Timeout { sent: false, .. }),
        "{err:?}"
    );
    let bound = timeouts().read;
    assert!(
        took >= bound && took < bound * 3,
        "took {took:?} for a {bound:?} bound"
    );
    assert!(tickets(&vp).await.is_empty());
}

#[tokio::test]
async fn paper_running_out_mid_ticket_is_not_ok_and_leaves_nothing_behind() {
    let vp = virtual_printer(Model::default()).await;
    // Slow printing, so the fault can strike while the ticket is printing.
    set_state(&vp, r#"{"delay_ms": 10000}"#).await;
    let printer = client(&vp, LayoutOptions::default());
    let job = tokio::spawn({
        let printer = printer.clone();
        async move { printer.print(&ticket()).await }
    });
    eventually("the ticket to reach the printer", || vp.busy() > 0).await;
    set_state(&vp, r#"{"paper_out": true}"#).await;
    let err = tokio::time::timeout(Duration::from_secs(3), job)
        .await
        .expect("print returns promptly")
        .expect("task")
        .expect_err("paper ran out");
    assert!(
        matches!(err, PrintError::PaperOut { sent: true }),
        "{err:?}"
    );
    assert!(err.sent());

    // Reload paper: the failed ticket must not come out on its own...
    set_state(&vp, r#"{"paper_out": false, "delay_ms": 0}"#).await;
    eventually("the failed ticket to be cleared", || vp.busy() == 0).await;
    assert!(tickets(&vp).await.is_empty(), "failed ticket was cleared");

    // ...and the reprint comes out once, cleanly.
    let mut again = ticket();
    again.reprint = true;
    printer
        .print(&again)
        .await
        .expect("prints after the fault clears");
    let text = only_ticket_text(&vp).await;
    assert_eq!(text.matches("#42").count(), 1, "{text}");
    assert!(text.contains("REPRINT"));
}

#[tokio::test]
async fn cover_opened_mid_ticket_is_not_ok() {
    let vp = virtual_printer(Model::default()).await;
    set_state(&vp, r#"{"delay_ms": 10000}"#).await;
    let printer = client(&vp, LayoutOptions::default());
    let job = tokio::spawn(async move { printer.print(&ticket()).await });
    eventually("the ticket to reach the printer", || vp.busy() > 0).await;
    set_state(&vp, r#"{"cover_open": true}"#).await;
    let err = tokio::time::timeout(Duration::from_secs(3), job)
        .await
        .expect("print returns promptly")
        .expect("task")
        .expect_err("cover opened");
    assert!(
        matches!(err, PrintError::CoverOpen { sent: true }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_print_without_completion_reply_is_unconfirmed_even_though_it_printed() {
    let vp = virtual_printer(Model {
        process_id: false,
        ..Model::default()
    })
    .await;
    let mut config = PrinterConfig {
        timeouts: timeouts(),
        ..Default::default()
    };
    config.timeouts.confirm = Duration::from_millis(800);
    let printer = Printer::open(&format!("tcp://{}", vp.printer_addr), config).expect("address");
    let err = printer.print(&ticket()).await.expect_err("never confirmed");
    assert!(matches!(err, PrintError::Unconfirmed { .. }), "{err:?}");
    assert!(err.sent());
}

#[tokio::test]
async fn a_slow_printer_is_unconfirmed_after_the_confirm_timeout() {
    let vp = virtual_printer(Model::default()).await;
    set_state(&vp, r#"{"delay_ms": 5000}"#).await;
    let mut config = PrinterConfig {
        timeouts: timeouts(),
        ..Default::default()
    };
    config.timeouts.confirm = Duration::from_millis(600);
    let printer = Printer::open(&format!("tcp://{}", vp.printer_addr), config).expect("address");
    let started = Instant::now();
    let err = printer.print(&ticket()).await.expect_err("too slow");
    assert!(matches!(err, PrintError::Unconfirmed { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn status_only_confirmation_works_with_printers_without_process_id() {
    let vp = virtual_printer(Model {
        process_id: false,
        ..Model::default()
    })
    .await;
    let config = PrinterConfig {
        timeouts: timeouts(),
        confirm: Confirm::StatusOnly,
        ..Default::default()
    };
    let printer = Printer::open(&format!("tcp://{}", vp.printer_addr), config).expect("address");
    let receipt = printer.print(&ticket()).await.expect("confirmed by status");
    assert_eq!(receipt.process_id, None);
}

#[tokio::test]
async fn status_reports_each_simulated_state() {
    let vp = virtual_printer(Model::default()).await;
    let printer = client(&vp, LayoutOptions::default());
    let s = printer.status().await.expect("status");
    assert!(
        s.online && !s.cover_open && !s.paper_end && !s.paper_near_end && s.problem().is_none()
    );
    set_state(&vp, r#"{"paper_near_end": true}"#).await;
    let s = printer.status().await.expect("status");
    assert!(s.paper_near_end && s.problem().is_none(), "{s:?}");
    set_state(&vp, r#"{"paper_near_end": false, "paper_out": true}"#).await;
    assert_eq!(
        printer.status().await.expect("status").problem(),
        Some(printer::Problem::PaperOut)
    );
    set_state(&vp, r#"{"paper_out": false, "cover_open": true}"#).await;
    assert_eq!(
        printer.status().await.expect("status").problem(),
        Some(printer::Problem::CoverOpen)
    );
    set_state(&vp, r#"{"cover_open": false, "error": true}"#).await;
    assert_eq!(
        printer.status().await.expect("status").problem(),
        Some(printer::Problem::Error)
    );
    set_state(&vp, r#"{"error": false, "offline": true}"#).await;
    assert!(matches!(
        printer.status().await,
        Err(PrintError::Timeout { .. })
    ));
    set_state(&vp, r#"{"offline": false}"#).await;
    assert!(printer.status().await.expect("back").problem().is_none());
}

#[tokio::test]
async fn control_port_reports_state_and_rejects_bad_input() {
    let vp = virtual_printer(Model::default()).await;
    let (code, body) = http(
        vp.control_addr,
        "POST",
        "/state",
        r#"{"cover_open": true, "delay_ms": 5}"#,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(body["cover_open"], true);
    let (_, body) = http(vp.control_addr, "GET", "/state", "").await;
    assert_eq!(body["cover_open"], true);
    assert_eq!(body["delay_ms"], 5);
    assert_eq!(body["paper_out"], false);
    assert_eq!(body["busy"], 0);
    let (code, _) = http(vp.control_addr, "POST", "/state", r#"{"paper": 1}"#).await;
    assert_eq!(code, 400);
    let (code, _) = http(vp.control_addr, "GET", "/nope", "").await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn garbage_bytes_do_not_crash_the_virtual_printer() {
    use tokio::io::AsyncWriteExt;
    let vp = virtual_printer(Model::default()).await;
    let mut junk = tokio::net::TcpStream::connect(vp.printer_addr)
        .await
        .expect("connect");
    let bytes: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    junk.write_all(&bytes).await.expect("write");
    drop(junk);
    client(&vp, LayoutOptions::default())
        .print(&ticket())
        .await
        .expect("still prints");
}

#[tokio::test]
async fn a_printer_nobody_listens_on_is_a_connection_error_with_nothing_sent() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let printer = Printer::open(
        &format!("tcp://127.0.0.1:{port}"),
        PrinterConfig {
            timeouts: timeouts(),
            ..Default::default()
        },
    )
    .expect("address");
    let err = printer.print(&ticket()).await.expect_err("nobody there");
    assert!(
        matches!(err, PrintError::Transport { sent: false, .. }),
        "{err:?}"
    );
    assert!(!err.sent());
}
