//! Pairing as an owner would set up a display: a code from the admin API,
//! `kds pair --server URL --code CODE` (the real binary), then `kds
//! --headless` with no setting but its printer runs from what pairing
//! stored and prints a diner's order on the virtual printer.

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::acl_redis::acl_server;
use crate::support::*;

/// The real `kds` in `cwd` with a clean environment: no `KDS__` variable
/// but the ones given (the default data directory, `data/kds`, is under `cwd`).
fn kds(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_kds"));
    cmd.args(args).current_dir(cwd);
    for (k, _) in std::env::vars() {
        if k.starts_with("KDS") || k == "NOTIFY_SOCKET" || k.starts_with("WATCHDOG_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_display_paired_with_a_code_runs_headless_from_its_stored_credentials_and_prints() {
    let (_redis, server) = acl_server(&unique("pair")).await;
    let code = server
        .admin(
            reqwest::Method::POST,
            "/devices/pairing-codes",
            Some(json!({"name": "Pass screen", "station": "kitchen"})),
        )
        .await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let home = temp_dir();

    let out = kds(
        &home,
        &["pair", "--server", &server.url, "--code", &code],
        &[],
    )
    .output()
    .await
    .expect("kds pair runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "kds pair: {said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("Paired as Pass screen"), "{said}");
    let stored = home.join("data/kds/paired.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&stored).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "paired.toml is the device's secret");
    }
    let text = std::fs::read_to_string(&stored).unwrap();
    assert!(
        text.contains(&format!("redis_prefix = \"{}\"", server.prefix)),
        "{text}"
    );

    // The code was used: pairing again with it is refused, in words.
    let again = kds(
        &home,
        &["pair", "--server", &server.url, "--code", &code],
        &[],
    )
    .output()
    .await
    .expect("kds pair runs");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("wrong, used or expired"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&stored).unwrap(),
        text,
        "a refusal leaves the file as it was"
    );

    // Only its printer is set: the rest comes from paired.toml.
    let vp = virtual_printer().await;
    let printer = format!("tcp://{}", vp.printer_addr);
    let log = std::fs::File::create(home.join("kds.log")).unwrap();
    let mut child = kds(
        &home,
        &["--headless"],
        &[("KDS__PRINTER", &printer), ("KDS__LANGUAGE", "en")],
    )
    .stdout(std::process::Stdio::null())
    .stderr(log)
    .spawn()
    .expect("kds --headless starts");

    let japchae = server.item_id("Japchae").await;
    let order = server.place_order(0, japchae, 2).await;
    let printed = tokio::time::timeout(WAIT, async {
        loop {
            if vp
                .tickets()
                .iter()
                .any(|t| t.order_number == Some(order.number))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(
        printed.is_ok(),
        "order #{} not printed; kds.log:\n{}",
        order.number,
        std::fs::read_to_string(home.join("kds.log")).unwrap_or_default()
    );
    // The device the code made is the one whose kitchen socket the server saw.
    until("the paired device seen by the server", || async {
        let devices = server.admin(reqwest::Method::GET, "/devices", None).await;
        devices
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["name"] == "Pass screen" && d["last_seen_at"].is_i64())
    })
    .await;
    let _ = child.start_kill();
    let _ = child.wait().await;
}

/// A headless card prepared on a PC: the site's kds.toml names a pairing
/// file holding the server and the code. A wrong code is refused in words
/// and kds stops unpaired (78); the right one pairs, and the display prints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_display_pairs_from_the_file_on_its_card_and_prints() {
    let (_redis, server) = acl_server(&unique("pairfile")).await;
    let home = temp_dir();
    let vp = virtual_printer().await;
    let pair_file = home.join("boot/qrorder/pair.toml");
    std::fs::create_dir_all(pair_file.parent().unwrap()).unwrap();
    std::fs::write(
        home.join("kds.toml"),
        format!(
            "printer = \"tcp://{}\"\nlanguage = \"en\"\ndata_dir = \"state\"\npairing_file = \"{}\"\n",
            vp.printer_addr,
            pair_file.display()
        ),
    )
    .unwrap();
    let address = server.url.trim_start_matches("http://").to_owned();

    // A wrong code: refused in words, nothing stored, exit 78.
    std::fs::write(
        &pair_file,
        format!("server = \"{address}\"\ncode = \"00000000\"\n"),
    )
    .unwrap();
    let out = kds(&home, &["--headless", "--config", "kds.toml"], &[])
        .output()
        .await
        .expect("kds runs");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{said}");
    assert!(said.contains("Wrong or expired code"), "{said}");
    assert!(said.contains(&pair_file.display().to_string()), "{said}");
    assert!(!home.join("state/paired.toml").exists());

    let code = server
        .admin(
            reqwest::Method::POST,
            "/devices/pairing-codes",
            Some(json!({"name": "Card pairing", "station": "kitchen"})),
        )
        .await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(
        &pair_file,
        format!("server = \"{address}\"\ncode = \"{code}\"\n"),
    )
    .unwrap();
    let log = std::fs::File::create(home.join("kds.log")).unwrap();
    let mut child = kds(&home, &["--headless", "--config", "kds.toml"], &[])
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("kds --headless starts");
    until("paired.toml stored from the pairing file", || async {
        home.join("state/paired.toml").exists()
    })
    .await;
    let japchae = server.item_id("Japchae").await;
    let order = server.place_order(0, japchae, 1).await;
    until(
        "the order printed by the display paired from its card",
        || async {
            vp.tickets()
                .iter()
                .any(|t| t.order_number == Some(order.number))
        },
    )
    .await;
    let _ = child.start_kill();
    let _ = child.wait().await;
}
