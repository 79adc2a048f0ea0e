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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The board is taken for hung when its last tick is older than this.
pub const STALE_MS: u64 = 5_000;

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

/// When the board last handled a clock tick, on a monotonic clock (the
/// Pi has no RTC: the wall clock jumps when NTP sets it).
#[derive(Debug, Clone)]
pub struct Heartbeat(Arc<Beats>);

#[derive(Debug)]
struct Beats {
    start: Instant,
    /// Milliseconds from `start` to the last beat.
    last_ms: AtomicU64,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self(Arc::new(Beats {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }))
    }
}

impl Heartbeat {
    pub fn beat(&self) {
        self.0.last_ms.store(self.since_start(), Ordering::Relaxed);
    }

    pub fn alive(&self) -> bool {
        self.alive_at(self.since_start())
    }

    /// Whether the board counts as alive `now_ms` after the heartbeat was made.
    fn alive_at(&self, now_ms: u64) -> bool {
        now_ms.saturating_sub(self.0.last_ms.load(Ordering::Relaxed)) <= STALE_MS
    }

    fn since_start(&self) -> u64 {
        u64::try_from(self.0.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// One watchdog round: `WATCHDOG=1` only while the board is alive.
pub fn ping(heartbeat: &Heartbeat) -> bool {
    heartbeat.alive() && notify("WATCHDOG=1")
}

/// The watchdog of the headless device: a ping every `every`.
pub async fn watchdog(heartbeat: Heartbeat, every: Duration) {
    loop {
        ping(&heartbeat);
        tokio::time::sleep(every).await;
    }
}

/// The process' resident memory in KiB (Linux: `VmRSS` of /proc/self/status).
pub fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Logs the resident memory a minute after start, then hourly: `journalctl
/// -u kds` shows a display's memory over days (and the VM boot test reads
/// its idle figure from the first line).
pub async fn log_memory() {
    tokio::time::sleep(Duration::from_secs(60)).await;
    loop {
        if let Some(kib) = resident_kib() {
            tracing::info!("memory: resident {kib} KiB ({} MiB)", kib / 1024);
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_board_without_a_recent_tick_is_not_alive() {
        let h = Heartbeat::default();
        h.beat();
        let last = h.0.last_ms.load(Ordering::Relaxed);
        assert!(h.alive());
        assert!(h.alive_at(last + STALE_MS));
        assert!(!h.alive_at(last + STALE_MS + 1));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn resident_memory_is_read_from_proc() {
        let kib = resident_kib().expect("VmRSS on Linux");
        // A test process holds at least its own code: more than 100 KiB.
        assert!(kib > 100, "{kib}");
    }
}
