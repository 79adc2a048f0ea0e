//! Ways bytes reach a printer, behind one blocking trait with bounded
//! timeouts. [`crate::print::Printer`] runs them on tokio's blocking pool, so
//! async callers never block the runtime.
//!
//! Here: the [`Transport`] trait, [`Timeouts`] and [`TransportError`], which
//! every transport uses (so this file names none of them back; callers use
//! their paths). [`address::open`] turns an address into one of
//! [`tcp`] (port 9100), [`device_file`] (`/dev/usb/lp0`), [`serial`] and
//! [`file`] (write-only dumps). With the `emulator` feature, `memory` is
//! the emulator in memory, for tests.

pub mod address;
pub mod device_file;
pub mod file;
#[cfg(feature = "emulator")]
pub mod memory;
pub mod serial;
pub mod tcp;

use std::io;
use std::time::Duration;

/// Upper bounds on every blocking step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub write: Duration,
    /// Waiting for a status reply.
    pub read: Duration,
    /// Waiting for a ticket to finish printing (process-ID reply).
    pub confirm: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            write: Duration::from_secs(5),
            read: Duration::from_secs(2),
            confirm: Duration::from_secs(20),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot connect to {target}: {source}")]
    Connect { target: String, source: io::Error },
    #[error("no progress within {0:?}")]
    Timeout(Duration),
    #[error("the printer closed the connection")]
    Closed,
    #[error("this transport cannot read from the printer")]
    WriteOnly,
    #[error("bad printer address `{0}`")]
    BadAddress(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A byte pipe to a printer. Implementations reconnect lazily after
/// [`Transport::reset`], and never block longer than their timeouts.
pub trait Transport: Send + 'static {
    /// For logs and errors: `tcp://10.0.0.5:9100`.
    fn describe(&self) -> String;

    /// Whether replies can be read (status, confirmation). A write-only
    /// transport can print but never confirm.
    fn can_read(&self) -> bool {
        true
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError>;

    /// Read at least one byte, waiting at most `timeout`
    /// ([`TransportError::Timeout`] otherwise).
    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError>;

    /// Throw away bytes that arrived unasked (late replies of an earlier,
    /// failed exchange).
    fn discard_input(&mut self) -> Result<(), TransportError>;

    /// Drop the connection; the next call opens a new one.
    fn reset(&mut self);
}
