//! systemd service notifications (`sd_notify`): `READY=1` once the device
//! runs, `WATCHDOG=1` while it is alive, `STOPPING=1` on the way out. Each
//! is one datagram to `$NOTIFY_SOCKET`; without it (not started by systemd
//! with `Type=notify`) nothing is sent.
//!
//! Alive means the board handled its once-a-second clock tick recently: the
//! tick goes through the tokio runtime and the board task that every event
//! passes through. With the window, the pings are sent from the UI thread,
//! so a frozen UI stops them too; systemd then restarts `kds`.

use std::os::unix::net::UnixDatagram;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The board is taken for hung when its last tick is older than this.
pub const STALE_MS: i64 = 5_000;

/// Send one notification. `false` when there is no `$NOTIFY_SOCKET` or it
/// could not be sent (systemd away): never an error for the device.
pub fn notify(state: &str) -> bool {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return false;
    };
    let Ok(socket) = UnixDatagram::unbound() else {
        return false;
    };
    let sent = match path.as_encoded_bytes().strip_prefix(b"@") {
        // An abstract socket name (systemd's usual choice).
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            std::os::unix::net::SocketAddr::from_abstract_name(name)
                .and_then(|addr| socket.send_to_addr(state.as_bytes(), &addr))
        }
        None => socket.send_to(state.as_bytes(), &path),
    };
    sent.is_ok()
}

/// How often to send `WATCHDOG=1`: half the time systemd allows
/// (`$WATCHDOG_USEC`), when it asked this process (`$WATCHDOG_PID`, if set).
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID")
        && pid.parse::<u32>().ok()? != std::process::id()
    {
        return None;
    }
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

/// When the board last handled a clock tick, in ms since the Unix epoch.
#[derive(Debug, Clone, Default)]
pub struct Heartbeat(Arc<AtomicI64>);

impl Heartbeat {
    pub fn beat(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::Relaxed);
    }

    pub fn alive(&self, now_ms: i64) -> bool {
        now_ms - self.0.load(Ordering::Relaxed) <= STALE_MS
    }
}

/// One watchdog round: `WATCHDOG=1` only while the board is alive.
pub fn ping(heartbeat: &Heartbeat, now_ms: i64) -> bool {
    heartbeat.alive(now_ms) && notify("WATCHDOG=1")
}

/// The watchdog of the headless device: a ping every `every`.
pub async fn watchdog(heartbeat: Heartbeat, every: Duration) {
    loop {
        ping(&heartbeat, crate::status_sync::now_ms());
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_board_without_a_recent_tick_is_not_alive() {
        let h = Heartbeat::default();
        assert!(!h.alive(1_000_000), "never ticked");
        h.beat(1_000_000);
        assert!(h.alive(1_000_000 + STALE_MS));
        assert!(!h.alive(1_000_000 + STALE_MS + 1));
    }
}
