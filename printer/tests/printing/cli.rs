//! The installer's CLI against the virtual printer.

use std::time::Duration;

use printer::emulator::Model;

use crate::support::*;

async fn run(args: &[&str]) -> (i32, String) {
    let out = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_printer"))
            .args(args)
            .output(),
    )
    .await
    .expect("the CLI finishes in time")
    .expect("the CLI runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn status_command_reports_each_simulated_state_and_exits_non_zero_when_it_cannot_print() {
    let vp = virtual_printer(Model::default()).await;
    let addr = vp.printer_addr.to_string();
    let args = ["status", "--addr", addr.as_str(), "--timeout-ms", "400"];
    let status = || run(&args);

    let (code, out) = status().await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ready: yes") && out.contains("paper: ok"),
        "{out}"
    );

    set_state(&vp, r#"{"paper_near_end": true}"#).await;
    let (code, out) = status().await;
    assert_eq!(code, 0, "near end still prints: {out}");
    assert!(out.contains("paper: near end"), "{out}");

    set_state(&vp, r#"{"paper_near_end": false, "paper_out": true}"#).await;
    let (code, out) = status().await;
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("paper: out") && out.contains("ready: no"),
        "{out}"
    );

    set_state(&vp, r#"{"paper_out": false, "cover_open": true}"#).await;
    let (code, out) = status().await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cover open: yes"), "{out}");

    set_state(&vp, r#"{"cover_open": false, "error": true}"#).await;
    let (code, out) = status().await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("error: yes"), "{out}");

    set_state(&vp, r#"{"error": false, "offline": true}"#).await;
    let (code, out) = status().await;
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("online: no") && out.contains("did not answer"),
        "{out}"
    );
}

#[tokio::test]
async fn test_print_exits_zero_only_when_confirmed() {
    let vp = virtual_printer(Model::default()).await;
    let addr = vp.printer_addr.to_string();
    let (code, out) = run(&["test-print", "--addr", &addr, "--timeout-ms", "500"]).await;
    assert_eq!(code, 0, "{out}");
    let text = only_ticket_text(&vp).await;
    assert!(
        text.contains("비빔밥") && text.contains("Printer check"),
        "{text}"
    );

    set_state(&vp, r#"{"paper_out": true}"#).await;
    let (code, out) = run(&["test-print", "--addr", &addr, "--timeout-ms", "500"]).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("out of paper"), "{out}");

    let quiet = virtual_printer(Model {
        process_id: false,
        ..Model::default()
    })
    .await;
    let addr = quiet.printer_addr.to_string();
    let (code, out) = run(&["test-print", "--addr", &addr, "--timeout-ms", "100"]).await;
    assert_ne!(code, 0, "printed but never confirmed: {out}");
    assert!(out.contains("not confirmed"), "{out}");
    let (code, out) = run(&[
        "test-print",
        "--addr",
        &addr,
        "--timeout-ms",
        "300",
        "--no-process-id",
        "--paper",
        "58",
        "--korean",
        "raster",
    ])
    .await;
    assert_eq!(code, 0, "{out}");
}
