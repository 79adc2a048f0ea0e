//! Printer status as Epson TM-series printers report it: real-time status
//! (`DLE EOT n`) and the process-ID completion reply (`GS ( H`). Both the
//! client ([`crate::print`]) and the virtual printer speak through here.

use serde::{Deserialize, Serialize};

pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;
pub const DC4: u8 = 0x14;

/// What a printer told us about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrinterStatus {
    pub online: bool,
    pub cover_open: bool,
    pub paper_near_end: bool,
    /// Out of paper (the roll end sensor, or printing stopped on paper end).
    pub paper_end: bool,
    /// A mechanical, cutter or unrecoverable error.
    pub error: bool,
}

/// Why a printer cannot print now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Problem {
    PaperOut,
    CoverOpen,
    Error,
    Offline,
}

impl PrinterStatus {
    /// The most specific reason it cannot print, if any.
    pub fn problem(&self) -> Option<Problem> {
        if self.paper_end {
            Some(Problem::PaperOut)
        } else if self.cover_open {
            Some(Problem::CoverOpen)
        } else if self.error {
            Some(Problem::Error)
        } else if !self.online {
            Some(Problem::Offline)
        } else {
            None
        }
    }
}

impl std::fmt::Display for PrinterStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let yes = |b: bool| if b { "yes" } else { "no" };
        let paper = if self.paper_end {
            "out"
        } else if self.paper_near_end {
            "near end"
        } else {
            "ok"
        };
        write!(
            f,
            "online: {}\ncover open: {}\npaper: {}\nerror: {}\nready: {}",
            yes(self.online),
            yes(self.cover_open),
            paper,
            yes(self.error),
            yes(self.problem().is_none())
        )
    }
}

/// The four `DLE EOT n` status queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    Printer = 1,
    OfflineCause = 2,
    ErrorCause = 3,
    PaperSensor = 4,
}

impl Query {
    pub const ALL: [Query; 4] = [
        Query::Printer,
        Query::OfflineCause,
        Query::ErrorCause,
        Query::PaperSensor,
    ];

    pub fn from_n(n: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|q| *q as u8 == n)
    }

    pub fn request(self) -> [u8; 3] {
        [DLE, EOT, self as u8]
    }
}

/// Every status reply has the pattern `0xx1xx10`.
pub fn is_status_byte(b: u8) -> bool {
    b & 0b1001_0011 == 0b0001_0010
}

const FIXED: u8 = 0b0001_0010;

/// The reply byte a TM-series printer gives to `query` in `status`.
pub fn reply_byte(query: Query, s: &PrinterStatus) -> u8 {
    let bit = |on: bool, mask: u8| if on { mask } else { 0 };
    FIXED
        | match query {
            Query::Printer => bit(!s.online, 0x08),
            Query::OfflineCause => {
                bit(s.cover_open, 0x04) | bit(s.paper_end, 0x20) | bit(s.error, 0x40)
            }
            Query::ErrorCause => bit(s.error, 0x20),
            Query::PaperSensor => bit(s.paper_near_end, 0x0C) | bit(s.paper_end, 0x60),
        }
}

/// Fold one reply into `status`.
pub fn apply_reply(query: Query, b: u8, status: &mut PrinterStatus) {
    match query {
        Query::Printer => status.online = b & 0x08 == 0,
        Query::OfflineCause => {
            status.cover_open = b & 0x04 != 0;
            status.paper_end |= b & 0x20 != 0;
            status.error |= b & 0x40 != 0;
        }
        Query::ErrorCause => status.error |= b & 0x68 != 0,
        Query::PaperSensor => {
            status.paper_near_end = b & 0x0C != 0;
            status.paper_end |= b & 0x60 != 0;
        }
    }
}

/// `GS ( H` fn 48: "tell me when everything before this is processed",
/// answered with [`process_id_reply`]. `id` is four ASCII digits.
pub fn process_id_request(id: [u8; 4]) -> [u8; 11] {
    [0x1D, b'(', b'H', 6, 0, 48, 48, id[0], id[1], id[2], id[3]]
}

pub fn process_id_reply(id: [u8; 4]) -> [u8; 7] {
    [0x37, 0x22, id[0], id[1], id[2], id[3], 0]
}

/// Four ASCII digits for a counter value.
pub fn process_id(n: u32) -> [u8; 4] {
    let n = n % 10_000;
    let digit = |d: u32| b'0' + u8::try_from(d % 10).unwrap_or(0);
    [digit(n / 1000), digit(n / 100), digit(n / 10), digit(n)]
}

/// `DLE DC4 8`: clear the receive and print buffers (TM-series), so a
/// half-received ticket never prints after the fault is cleared.
pub const CLEAR_BUFFERS: [u8; 10] = [DLE, DC4, 8, 1, 3, 20, 1, 6, 2, 8];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_bytes_match_the_epson_manual() {
        let ok = PrinterStatus {
            online: true,
            ..Default::default()
        };
        assert_eq!(reply_byte(Query::Printer, &ok), 0x12);
        let paper_out = PrinterStatus {
            paper_end: true,
            ..Default::default()
        };
        assert_eq!(reply_byte(Query::Printer, &paper_out), 0x1A);
        assert_eq!(reply_byte(Query::PaperSensor, &paper_out), 0x72);
        assert_eq!(reply_byte(Query::OfflineCause, &paper_out), 0x32);
        let cover = PrinterStatus {
            cover_open: true,
            ..Default::default()
        };
        assert_eq!(reply_byte(Query::OfflineCause, &cover), 0x16);
        for q in Query::ALL {
            assert!(is_status_byte(reply_byte(q, &cover)));
        }
        assert!(
            !is_status_byte(0x37),
            "process-ID reply header is not a status byte"
        );
    }

    #[test]
    fn replies_round_trip_through_apply() {
        for bits in 0u8..32 {
            let s = PrinterStatus {
                online: bits & 1 != 0,
                cover_open: bits & 2 != 0,
                paper_near_end: bits & 4 != 0,
                paper_end: bits & 8 != 0,
                error: bits & 16 != 0,
            };
            let mut back = PrinterStatus::default();
            for q in Query::ALL {
                apply_reply(q, reply_byte(q, &s), &mut back);
            }
            assert_eq!(back, s);
        }
    }

    #[test]
    fn process_ids_are_four_digits() {
        assert_eq!(process_id(42), *b"0042");
        assert_eq!(process_id(12_345), *b"2345");
    }
}
