//! The real `kds` binary started the way systemd starts it with
//! `Type=notify` and `WatchdogSec=`: a datagram socket in `$NOTIFY_SOCKET`
//! hears `READY=1`, then `WATCHDOG=1` at half of `$WATCHDOG_USEC`, and
//! `STOPPING=1` after SIGTERM.

use std::time::{Duration, Instant};

use tokio::net::UnixDatagram;

use crate::support::*;

async fn next_notification(socket: &UnixDatagram) -> String {
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(WAIT, socket.recv(&mut buf))
        .await
        .expect("a notification in time")
        .expect("recv");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn kds_tells_systemd_it_is_ready_alive_and_stopping() {
    let prefix = unique("notify");
    let vp = virtual_printer().await;
    let api = quiet_api().await;
    let data = temp_dir();
    let path = data.join("notify.sock");
    let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
    let path = path.to_str().expect("utf-8 path").to_owned();
    let printer = format!("tcp://{}", vp.printer_addr);
    // A watchdog of 400 ms: a ping every 200 ms.
    let kds = spawn_kds(
        &prefix,
        &printer,
        &data,
        &api.url,
        "kds.log",
        &[("NOTIFY_SOCKET", &path), ("WATCHDOG_USEC", "400000")],
    );

    assert_eq!(next_notification(&socket).await, "READY=1");
    let start = Instant::now();
    for _ in 0..5 {
        assert_eq!(next_notification(&socket).await, "WATCHDOG=1");
    }
    // Five pings at half the watchdog (about 0.8 s from READY): not at the
    // whole 400 ms (1.6 s or more), not once a second (4 s), not a flood.
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_millis(1500),
        "five pings took {took:?}"
    );

    let pid = kds.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    // Pings may still be in the socket ahead of it.
    let mut seen = Vec::new();
    loop {
        let n = next_notification(&socket).await;
        if n == "STOPPING=1" {
            break;
        }
        assert_eq!(n, "WATCHDOG=1", "after {seen:?}");
        seen.push(n);
        assert!(seen.len() < 50, "no STOPPING=1 after SIGTERM");
    }
    let out = tokio::time::timeout(WAIT, kds.wait_with_output())
        .await
        .expect("kds exits after SIGTERM")
        .expect("wait");
    assert!(out.status.success(), "{:?}", out.status);
}
