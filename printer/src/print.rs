//! Printing for certain: check the printer's status before sending, send,
//! then confirm — by the printer's process-ID reply (`GS ( H`) where it has
//! one, and by its status again. `print` returns `Ok` only for a confirmed
//! ticket; every failure says which (paper out, cover open, offline,
//! timeout, unconfirmed) and whether bytes had already been sent.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::encode::EncodeError;
use crate::status::{
    self, CLEAR_BUFFERS, PrinterStatus, Problem, Query, apply_reply, is_status_byte, process_id,
    process_id_request,
};
use crate::ticket::{LayoutOptions, Ticket};
use crate::transport::{Timeouts, Transport, TransportError};

/// How a sent ticket is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Confirm {
    /// Wait for the `GS ( H` process-ID reply (Epson TM series), then check
    /// status. The reply comes only after the ticket has been printed.
    #[default]
    ProcessId,
    /// For printers without process-ID replies: status after sending must
    /// show the printer ready. Weaker: the ticket may still be in its buffer.
    StatusOnly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterConfig {
    pub timeouts: Timeouts,
    pub confirm: Confirm,
    pub layout: LayoutOptions,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        Self {
            timeouts: Timeouts::default(),
            confirm: Confirm::ProcessId,
            layout: LayoutOptions::default(),
        }
    }
}

/// Why a ticket is not (known to be) printed. `sent` tells whether any of
/// it went to the printer: if so, print it again with the REPRINT flag.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("the printer is out of paper")]
    PaperOut { sent: bool },
    #[error("the printer cover is open")]
    CoverOpen { sent: bool },
    #[error("the printer reports an error")]
    PrinterError { sent: bool },
    #[error("the printer is offline")]
    Offline { sent: bool },
    #[error("the printer did not answer within {waited:?}")]
    Timeout { sent: bool, waited: Duration },
    #[error("the ticket was sent but not confirmed: {reason}")]
    Unconfirmed { reason: String },
    #[error("this transport cannot read status, so prints cannot be confirmed")]
    CannotConfirm,
    #[error("printer connection failed: {source}")]
    Transport { source: TransportError, sent: bool },
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl PrintError {
    /// Whether bytes of the ticket may have reached the printer.
    pub fn sent(&self) -> bool {
        match self {
            PrintError::PaperOut { sent }
            | PrintError::CoverOpen { sent }
            | PrintError::PrinterError { sent }
            | PrintError::Offline { sent }
            | PrintError::Timeout { sent, .. }
            | PrintError::Transport { sent, .. } => *sent,
            PrintError::Unconfirmed { .. } => true,
            PrintError::CannotConfirm | PrintError::Encode(_) => false,
        }
    }

    fn from_problem(problem: Problem, sent: bool) -> Self {
        match problem {
            Problem::PaperOut => PrintError::PaperOut { sent },
            Problem::CoverOpen => PrintError::CoverOpen { sent },
            Problem::Error => PrintError::PrinterError { sent },
            Problem::Offline => PrintError::Offline { sent },
        }
    }

    fn from_transport(e: TransportError, sent: bool) -> Self {
        match e {
            TransportError::Timeout(waited) => PrintError::Timeout { sent, waited },
            TransportError::WriteOnly => PrintError::CannotConfirm,
            source => PrintError::Transport { source, sent },
        }
    }
}

/// What a confirmed print looked like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PrintReceipt {
    /// The process ID the printer echoed, when confirmed that way.
    pub process_id: Option<[u8; 4]>,
    /// Status read after printing (paper may be near its end).
    pub status: PrinterStatus,
}

/// A printer: one transport, used by one job at a time. Cheap to clone.
#[derive(Clone)]
pub struct Printer {
    transport: Arc<Mutex<Box<dyn Transport>>>,
    config: PrinterConfig,
    next_id: Arc<std::sync::atomic::AtomicU32>,
}

impl Printer {
    pub fn new(transport: impl Transport, config: PrinterConfig) -> Self {
        Self::from_boxed(Box::new(transport), config)
    }

    pub fn from_boxed(transport: Box<dyn Transport>, config: PrinterConfig) -> Self {
        Self {
            transport: Arc::new(Mutex::new(transport)),
            config,
            next_id: Arc::default(),
        }
    }

    /// Open from an address such as `tcp://10.0.0.5:9100` (see
    /// [`crate::transport::address::open`]).
    pub fn open(address: &str, config: PrinterConfig) -> Result<Self, PrintError> {
        let transport = crate::transport::address::open(address, config.timeouts);
        let transport = transport.map_err(|source| PrintError::Transport {
            source,
            sent: false,
        })?;
        Ok(Self::from_boxed(transport, config))
    }

    pub fn config(&self) -> &PrinterConfig {
        &self.config
    }

    /// Ask the printer how it is.
    pub async fn status(&self) -> Result<PrinterStatus, PrintError> {
        let this = self.clone();
        run_blocking(move || this.status_blocking()).await
    }

    /// Print a ticket; `Ok` only once the printer confirmed it.
    pub async fn print(&self, ticket: &Ticket) -> Result<PrintReceipt, PrintError> {
        let bytes = ticket.encode(&self.config.layout)?;
        self.print_bytes(bytes).await
    }

    /// Print ready-made ESC/POS bytes (one ticket, ending in a cut) with
    /// the same checks and confirmation as [`Printer::print`].
    pub async fn print_bytes(&self, bytes: Vec<u8>) -> Result<PrintReceipt, PrintError> {
        let this = self.clone();
        run_blocking(move || this.print_bytes_blocking(&bytes)).await
    }

    pub fn status_blocking(&self) -> Result<PrinterStatus, PrintError> {
        let mut t = self.lock();
        let t = &mut **t;
        if !t.can_read() {
            return Err(PrintError::CannotConfirm);
        }
        t.discard_input()
            .map_err(|e| PrintError::from_transport(e, false))?;
        query_status(t, self.config.timeouts.read).map_err(|e| {
            t.reset();
            PrintError::from_transport(e, false)
        })
    }

    pub fn print_bytes_blocking(&self, bytes: &[u8]) -> Result<PrintReceipt, PrintError> {
        let mut guard = self.lock();
        let t = &mut **guard;
        if !t.can_read() {
            return Err(PrintError::CannotConfirm);
        }
        let timeouts = self.config.timeouts;
        let before = (|| {
            t.discard_input()?;
            query_status(t, timeouts.read)
        })()
        .map_err(|e| {
            t.reset();
            PrintError::from_transport(e, false)
        })?;
        if let Some(problem) = before.problem() {
            return Err(PrintError::from_problem(problem, false));
        }

        let id = process_id(
            self.next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        );
        let mut job = bytes.to_vec();
        if self.config.confirm == Confirm::ProcessId {
            job.extend_from_slice(&process_id_request(id));
        }
        let outcome = t
            .write_all(&job)
            .map_err(|e| PrintError::from_transport(e, true))
            .and_then(|()| match self.config.confirm {
                Confirm::ProcessId => wait_for_process_id(t, id, timeouts),
                Confirm::StatusOnly => Ok(None),
            })
            .and_then(|confirmed| {
                let after = query_status(t, timeouts.read)
                    .map_err(|e| PrintError::from_transport(e, true))?;
                match after.problem() {
                    // With the process-ID reply in hand the ticket is out;
                    // a fault now concerns the next one.
                    Some(_) if confirmed.is_some() => Ok(PrintReceipt {
                        process_id: confirmed,
                        status: after,
                    }),
                    Some(problem) => Err(PrintError::from_problem(problem, true)),
                    None => Ok(PrintReceipt {
                        process_id: confirmed,
                        status: after,
                    }),
                }
            });
        if outcome.is_err() {
            // Never let the failed ticket come out later, after the fault is
            // fixed: clear the printer's buffers and start a new connection.
            let _ = t.write_all(&CLEAR_BUFFERS);
            t.reset();
        }
        outcome
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Box<dyn Transport>> {
        self.transport
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PrintError> + Send + 'static,
) -> Result<T, PrintError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(PrintError::Unconfirmed {
            reason: format!("printer task failed: {e}"),
        })
    })
}

/// Read one status reply byte, skipping anything else.
fn read_status_byte(t: &mut dyn Transport, timeout: Duration) -> Result<u8, TransportError> {
    let deadline = Instant::now() + timeout;
    let mut b = [0u8; 1];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(TransportError::Timeout(timeout));
        }
        t.read_some(&mut b, left)?;
        if is_status_byte(b[0]) {
            return Ok(b[0]);
        }
    }
}

/// All four real-time statuses, one question at a time.
pub fn query_status(
    t: &mut dyn Transport,
    timeout: Duration,
) -> Result<PrinterStatus, TransportError> {
    let mut s = PrinterStatus::default();
    for q in Query::ALL {
        t.write_all(&q.request())?;
        let b = read_status_byte(t, timeout)?;
        apply_reply(q, b, &mut s);
    }
    Ok(s)
}

/// Wait for the process-ID reply, asking for the offline cause every so
/// often: a printer that runs out of paper or opens its cover mid-ticket
/// says so at once, instead of us waiting out the whole confirm timeout.
fn wait_for_process_id(
    t: &mut dyn Transport,
    id: [u8; 4],
    timeouts: Timeouts,
) -> Result<Option<[u8; 4]>, PrintError> {
    let expected = status::process_id_reply(id);
    let poll = Duration::from_millis(200).min(timeouts.read);
    let deadline = Instant::now() + timeouts.confirm;
    let mut received: Vec<u8> = Vec::new();
    let mut asked_at: Option<Instant> = None;
    let mut buf = [0u8; 64];
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(PrintError::Unconfirmed {
                reason: format!("no completion reply within {:?}", timeouts.confirm),
            });
        }
        if let Some(at) = asked_at
            && now.duration_since(at) > timeouts.read
        {
            return Err(PrintError::Timeout {
                sent: true,
                waited: timeouts.read,
            });
        }
        match t.read_some(&mut buf, poll.min(deadline - now)) {
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(TransportError::Timeout(_)) => {
                if asked_at.is_none() {
                    t.write_all(&Query::OfflineCause.request())
                        .map_err(|e| PrintError::from_transport(e, true))?;
                    asked_at = Some(Instant::now());
                }
                continue;
            }
            Err(e) => return Err(PrintError::from_transport(e, true)),
        }
        // Consume what arrived: process-ID replies and status bytes.
        loop {
            if received.starts_with(&expected) {
                return Ok(Some(id));
            }
            if received.len() >= 7 && received[0] == 0x37 && received[1] == 0x22 {
                // Another job's reply (a late one): skip it.
                received.drain(..7);
                continue;
            }
            match received.first() {
                Some(&b) if is_status_byte(b) => {
                    received.remove(0);
                    let mut s = PrinterStatus {
                        online: true,
                        ..Default::default()
                    };
                    apply_reply(Query::OfflineCause, b, &mut s);
                    asked_at = None;
                    if let Some(problem) = s.problem() {
                        return Err(PrintError::from_problem(problem, true));
                    }
                }
                Some(&0x37) if received.len() < 7 => break,
                Some(_) => {
                    received.remove(0);
                }
                None => break,
            }
        }
    }
}
