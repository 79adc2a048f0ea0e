//! The `qrorder` binary as an operator runs it.

use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::ChildStderr;

use crate::helpers::redis_url;

fn qrorder() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qrorder"))
}

#[test]
fn seed_demo_json_prints_the_owner_and_table_urls() {
    let dir = tempfile::tempdir().expect("dir");
    let out = qrorder()
        .args(["seed-demo", "--json"])
        .env(
            "QRORDER__DATABASE_URL",
            format!("sqlite:{}", dir.path().join("nested/demo.db").display()),
        )
        .env("QRORDER__PUBLIC_BASE_URL", "http://10.0.0.5:8080")
        .env("QRORDER__REDIS_PREFIX", "cli-seed")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert!(seed["restaurant_id"].is_i64());
    // The stream its kitchen displays read (the key format is `shared`'s,
    // the one place it is written), under the configured prefix.
    let restaurant = qrorder_shared::RestaurantId(seed["restaurant_id"].as_i64().expect("id"));
    assert_eq!(
        seed["kitchen_stream"],
        qrorder_shared::keys::Keys::new("cli-seed").orders_stream(restaurant)
    );
    assert!(seed["owner"]["email"].is_string() && seed["owner"]["password"].is_string());
    let tables = seed["tables"].as_array().expect("tables");
    assert!(tables.len() >= 6);
    for t in tables {
        assert_eq!(
            t["url"],
            format!(
                "http://10.0.0.5:8080/t/{}",
                t["token"].as_str().expect("token")
            )
        );
    }
}

#[test]
fn a_bad_role_or_config_is_refused_with_a_clear_message() {
    let out = qrorder()
        .args(["serve", "--roles", "kitchen"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role `kitchen`"));
    let out = qrorder()
        .arg("migrate")
        .env("QRORDER__DATABASE_URL", "mysql://x")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
}

#[test]
fn create_owner_refuses_a_weak_password_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite:{}", dir.path().join("owner.db").display());
    let create = |password: &str| {
        qrorder()
            .args([
                "create-owner",
                "--email",
                "chef@example.com",
                "--restaurant-name",
                "Chez Test",
            ])
            .args(["--password", password])
            .env("QRORDER__DATABASE_URL", &db)
            .output()
            .expect("runs")
    };
    let out = create("password1234");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("weak_password") && stderr.contains("common"),
        "{stderr}"
    );
    let out = create("a kitchen of our own");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        created["restaurant_id"], 1,
        "the refused attempt made no restaurant"
    );
}

/// Reads log lines until one contains `needle`.
async fn wait_for(lines: &mut Lines<BufReader<ChildStderr>>, needle: &str) -> String {
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("read") {
            if line.contains(needle) {
                return line;
            }
        }
        panic!("the server ended before logging `{needle}`");
    })
    .await
    .expect("in time")
}

#[tokio::test]
async fn serve_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_qrorder"))
        .arg("serve")
        .env(
            "QRORDER__DATABASE_URL",
            format!("sqlite:{}", dir.path().join("q.db").display()),
        )
        .env("QRORDER__MEDIA_DIR", dir.path().join("media"))
        .env("QRORDER__REDIS_URL", redis_url())
        .env("QRORDER__LISTEN", "127.0.0.1:0")
        .env("QRORDER__LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let serving = wait_for(&mut lines, "serving").await;
    let log: serde_json::Value = serde_json::from_str(&serving).expect("JSON log line");
    assert_eq!(log["level"], "INFO");
    let pid = child.id().expect("pid").to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    wait_for(&mut lines, "stopped").await;
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits")
        .expect("status");
    assert!(status.success(), "{status}");
}
