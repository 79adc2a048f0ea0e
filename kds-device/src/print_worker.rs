//! The printer worker: prints queued tickets in order, one at a time. A
//! ticket is acknowledged on the stream only after `print()` confirmed it;
//! while the printer fails the ticket stays on screen marked "not printed"
//! and is retried with back-off. Every send is written to the journal first,
//! so a ticket that may be on paper prints again only as REPRINT.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use printer::{PrintError, Printer, Problem, Ticket};
use tokio::sync::{mpsc, oneshot};

use crate::config::Config;
use crate::consumer::{InFlight, PrintJob};
use crate::event::{Event, PrinterState};
use crate::journal::Journal;
use crate::redis_io::{self, Lazy, Target};

/// Where tickets go.
pub enum Output {
    Printer(Printer),
    /// `printer = none`: the screen is the only output; entries are
    /// acknowledged once shown.
    ScreenOnly,
}

impl Output {
    pub fn open(config: &Config) -> Result<Self, PrintError> {
        if config.printer.trim() == "none" {
            return Ok(Output::ScreenOnly);
        }
        Printer::open(&config.printer, config.printer_config()).map(Output::Printer)
    }
}

/// Hooks for tests that must stop the device at an exact point.
#[derive(Default, Clone)]
pub struct TestHooks {
    /// Called after a confirmed print and before its XACK with the order id
    /// (a void's: the negative of its id);
    /// the worker waits until the `oneshot` is answered (or dropped).
    pub before_ack: Option<mpsc::UnboundedSender<(i64, oneshot::Sender<()>)>>,
}

pub struct PrintWorker {
    pub config: Config,
    pub client: Target,
    pub output: Output,
    pub journal: Arc<Mutex<Journal>>,
    pub in_flight: InFlight,
    pub events: mpsc::UnboundedSender<Event>,
    /// Each printer state shown is also reported to the server
    /// (`status_sync::report_printer`).
    pub printer_reports: mpsc::UnboundedSender<PrinterState>,
    pub jobs: mpsc::UnboundedReceiver<PrintJob>,
    /// Orders printed (or shown, without a printer) and acknowledged, for
    /// [`crate::confirm`].
    pub printed: mpsc::UnboundedSender<i64>,
    pub hooks: TestHooks,
}

pub fn state_of_problem(p: Option<Problem>) -> PrinterState {
    match p {
        None => PrinterState::Ready,
        Some(Problem::PaperOut) => PrinterState::PaperOut,
        Some(Problem::CoverOpen) => PrinterState::CoverOpen,
        Some(Problem::Error) => PrinterState::Error,
        Some(Problem::Offline) => PrinterState::Offline,
    }
}

pub fn state_of_error(e: &PrintError) -> PrinterState {
    match e {
        PrintError::PaperOut { .. } => PrinterState::PaperOut,
        PrintError::CoverOpen { .. } => PrinterState::CoverOpen,
        PrintError::Offline { .. } | PrintError::Timeout { .. } | PrintError::Transport { .. } => {
            PrinterState::Offline
        }
        _ => PrinterState::Error,
    }
}

impl PrintWorker {
    fn send(&self, e: Event) {
        if let Event::Printer(state) = e {
            let _ = self.printer_reports.send(state);
        }
        let _ = self.events.send(e);
    }

    fn journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub async fn run(mut self) {
        let mut redis = Lazy::new(self.client.clone(), Duration::from_secs(2));
        let mut idle_poll = tokio::time::interval(Duration::from_secs(3));
        idle_poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_state = None;
        if matches!(self.output, Output::ScreenOnly) {
            self.send(Event::Printer(PrinterState::NotConfigured));
        }
        loop {
            tokio::select! {
                job = self.jobs.recv() => {
                    let Some(job) = job else { return };
                    self.print_and_ack(&mut redis, job, &mut last_state).await;
                }
                _ = idle_poll.tick() => {
                    // Show faults before a ticket needs the printer.
                    if let Output::Printer(p) = &self.output {
                        let state = match p.status().await {
                            Ok(s) => state_of_problem(s.problem()),
                            Err(e) => state_of_error(&e),
                        };
                        if last_state != Some(state) {
                            last_state = Some(state);
                            self.send(Event::Printer(state));
                        }
                    }
                }
            }
        }
    }

    async fn print_and_ack(
        &self,
        redis: &mut Lazy,
        job: PrintJob,
        last_state: &mut Option<PrinterState>,
    ) {
        // The journal's key: the order, or (negative) the void.
        let order_id = job.journal_key();
        let void = job.void.clone();
        let mut reprint = job.reprint;
        let mut backoff = Duration::from_millis(200);
        if let Output::Printer(printer) = &self.output {
            loop {
                if let Err(e) = self.journal().sending(order_id, &job.entry_id) {
                    tracing::error!(error = %e, "journal write failed; printing anyway");
                }
                let mut ticket = Ticket::new(
                    job.order.clone(),
                    self.config.station.clone(),
                    self.config.device_id.clone(),
                    reprint,
                );
                if let Some((_, reason)) = &void {
                    ticket = ticket.voided(reason.clone());
                }
                match printer.print(&ticket).await {
                    Ok(receipt) => {
                        if let Err(e) = self.journal().printed(order_id, &job.entry_id) {
                            tracing::error!(error = %e, "journal write failed");
                        }
                        let state = state_of_problem(receipt.status.problem());
                        if *last_state != Some(state) {
                            *last_state = Some(state);
                            self.send(Event::Printer(state));
                        }
                        self.send(match &void {
                            Some((void_id, _)) => Event::VoidPrinted { void_id: *void_id },
                            None => Event::TicketPrinted { order_id, reprint },
                        });
                        break;
                    }
                    Err(e) => {
                        if e.sent() {
                            reprint = true; // part of it may be on paper
                        } else if let Err(je) = self.journal().not_sent(order_id) {
                            tracing::error!(error = %je, "journal write failed");
                        }
                        let state = state_of_error(&e);
                        tracing::warn!(order = order_id, error = %e, "print failed; retrying");
                        if *last_state != Some(state) {
                            *last_state = Some(state);
                            self.send(Event::Printer(state));
                        }
                        if void.is_none() {
                            self.send(Event::TicketNotPrinted {
                                order_id,
                                reason: e.to_string(),
                            });
                        }
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(2));
                    }
                }
            }
        }

        if let Some(hook) = &self.hooks.before_ack {
            let (tx, rx) = oneshot::channel();
            if hook.send((order_id, tx)).is_ok() {
                let _ = rx.await;
            }
        }

        // Acknowledge; Redis may be down: keep trying (the journal already
        // says printed, so a redelivery meanwhile would print as REPRINT).
        let group = self.config.consumer_group();
        let mut backoff = Duration::from_millis(100);
        loop {
            match redis_io::xack(redis, &group, &job.entry_id).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(error = %e, entry = %job.entry_id, "XACK failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
        }
        if void.is_none() {
            let _ = self.printed.send(order_id);
        }
        self.in_flight.remove(&job.entry_id);
        self.send(Event::Unacked(self.in_flight.len()));
    }
}
