//! The virtual printer: an ESC/POS emulator that behaves like an Epson
//! TM-series receipt printer, for the demo and the tests. [`parser`] turns
//! bytes into [`command`]s, [`page`] prints them onto a roll and cuts
//! tickets ([`printout`]: what a cut hands back, text and picture),
//! [`server`] puts it on TCP with a control port for fault simulation, and
//! [`Emulator`] is the same without I/O (for [`crate::transport::memory::MemoryTransport`]).

pub mod command;
pub mod page;
pub mod parser;
pub mod printout;
pub mod server;

pub use page::Model;
pub use printout::{PrintedLine, Printout};

use serde::{Deserialize, Serialize};

use crate::status::{PrinterStatus, Query, process_id_reply, reply_byte};
use command::Command;
use parser::Parser;

/// Faults switched on and off at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Faults {
    pub paper_out: bool,
    pub paper_near_end: bool,
    pub cover_open: bool,
    /// Unreachable: accepts nothing, answers nothing.
    pub offline: bool,
    /// A mechanical error (e.g. cutter jam).
    pub error: bool,
    /// How long printing one ticket takes.
    pub delay_ms: u64,
}

/// A partial update, as `POST /state` takes it.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsPatch {
    pub paper_out: Option<bool>,
    pub paper_near_end: Option<bool>,
    pub cover_open: Option<bool>,
    pub offline: Option<bool>,
    pub error: Option<bool>,
    pub delay_ms: Option<u64>,
}

impl Faults {
    pub fn apply(&mut self, p: FaultsPatch) {
        let Faults {
            paper_out,
            paper_near_end,
            cover_open,
            offline,
            error,
            delay_ms,
        } = self;
        *paper_out = p.paper_out.unwrap_or(*paper_out);
        *paper_near_end = p.paper_near_end.unwrap_or(*paper_near_end);
        *cover_open = p.cover_open.unwrap_or(*cover_open);
        *offline = p.offline.unwrap_or(*offline);
        *error = p.error.unwrap_or(*error);
        *delay_ms = p.delay_ms.unwrap_or(*delay_ms);
    }

    /// Whether the mechanism would stop printing.
    pub fn stops_printing(&self) -> bool {
        self.paper_out || self.cover_open || self.error || self.offline
    }

    /// What the printer reports about itself.
    pub fn status(&self) -> PrinterStatus {
        PrinterStatus {
            online: !(self.paper_out || self.cover_open || self.error),
            cover_open: self.cover_open,
            paper_near_end: self.paper_near_end || self.paper_out,
            paper_end: self.paper_out,
            error: self.error,
        }
    }
}

/// The reply to a real-time status request, if the printer answers one.
pub fn status_reply(n: u8, faults: &Faults) -> Option<u8> {
    Query::from_n(n).map(|q| reply_byte(q, &faults.status()))
}

/// The printer without I/O or delays: bytes in, replies out, tickets kept.
/// Print data that arrives while a fault stops the mechanism is held until
/// the fault clears or `DLE DC4 8` clears it.
#[derive(Debug)]
pub struct Emulator {
    parser: Parser,
    pub page: page::Page,
    model: Model,
    pub faults: Faults,
    held: Vec<Command>,
    pub printouts: Vec<Printout>,
}

impl Emulator {
    pub fn new(model: Model) -> Self {
        Self {
            parser: Parser::new(),
            page: page::Page::new(model),
            model,
            faults: Faults::default(),
            held: Vec::new(),
            printouts: Vec::new(),
        }
    }

    /// Feed received bytes; returns the bytes the printer sends back.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut reply = Vec::new();
        if self.faults.offline {
            return reply;
        }
        for cmd in self.parser.feed(bytes) {
            match cmd {
                Command::StatusRequest(n) => reply.extend(status_reply(n, &self.faults)),
                Command::ClearBuffers => self.held.clear(),
                cmd => {
                    self.held.push(cmd);
                    if !self.faults.stops_printing() {
                        reply.extend(self.run_held());
                    }
                }
            }
        }
        reply
    }

    /// Change faults; held data prints when they clear.
    pub fn set_faults(&mut self, faults: Faults) -> Vec<u8> {
        self.faults = faults;
        if faults.stops_printing() {
            Vec::new()
        } else {
            self.run_held()
        }
    }

    fn run_held(&mut self) -> Vec<u8> {
        let mut reply = Vec::new();
        for cmd in std::mem::take(&mut self.held) {
            if let Command::ProcessId(id) = cmd {
                if self.model.process_id {
                    reply.extend(process_id_reply(id));
                }
            } else if let Some(p) = self.page.apply(cmd) {
                self.printouts.push(p);
            }
        }
        reply
    }
}
