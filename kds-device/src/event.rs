//! What controllers tell the screen (`Event`) and what the screen asks of
//! them (`Command`) or of the board task itself (`UiAction`). Plain data: no
//! UI types, no I/O.

use qrorder_shared::RestaurantId;
use qrorder_shared::order::{Order, OrderStatus};
use qrorder_shared::stream::{OrderPayload, VoidPayload};

/// One line of a ticket, for this station only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketItem {
    pub qty: u32,
    pub name: String,
    /// Options in words, `Size: Large, Spicy: Mild`.
    pub options: String,
    pub note: Option<String>,
}

/// An order as the kitchen sees it at one station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketInfo {
    pub order_id: i64,
    pub number: u32,
    pub table: String,
    /// Unix milliseconds.
    pub placed_at: i64,
    pub items: Vec<TicketItem>,
}

impl TicketInfo {
    /// The station's part of a stream payload; `None` when nothing of the
    /// order is prepared here.
    pub fn from_payload(p: &OrderPayload, station: &str, lang: &str) -> Option<Self> {
        let items: Vec<TicketItem> = p
            .items
            .iter()
            .filter(|i| i.station == station)
            .map(|i| TicketItem {
                qty: i.qty,
                name: i.name.get(lang).unwrap_or("?").to_owned(),
                options: i
                    .options
                    .iter()
                    .map(|o| {
                        format!(
                            "{}: {}",
                            o.group.get(lang).unwrap_or("?"),
                            o.option.get(lang).unwrap_or("?")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                note: i.note.clone().filter(|n| !n.trim().is_empty()),
            })
            .collect();
        (!items.is_empty()).then(|| TicketInfo {
            order_id: p.order_id,
            number: p.number,
            table: p.table_name.clone(),
            placed_at: p.placed_at,
            items,
        })
    }

    /// The station's part of an order from the admin API.
    pub fn from_order(o: &Order, restaurant_id: i64, station: &str, lang: &str) -> Option<Self> {
        Self::from_payload(
            &OrderPayload::of(RestaurantId(restaurant_id), o),
            station,
            lang,
        )
    }
}

/// A void as the kitchen sees it at one station: lines no longer wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoidInfo {
    pub void_id: i64,
    pub order_id: i64,
    pub number: u32,
    pub table: String,
    pub reason: String,
    pub items: Vec<TicketItem>,
}

impl VoidInfo {
    /// The station's part of a void; `None` when none of its lines is
    /// prepared here.
    pub fn from_payload(v: &VoidPayload, station: &str, lang: &str) -> Option<Self> {
        let t = TicketInfo::from_payload(&v.as_order(), station, lang)?;
        Some(VoidInfo {
            void_id: v.void_id,
            order_id: v.order_id,
            number: v.number,
            table: v.table_name.clone(),
            reason: v.reason.clone(),
            items: t.items,
        })
    }

    /// One line for the screen: `VOID #12 T3 — 2× Bibimbap — wrong table`.
    pub fn summary(&self) -> String {
        let items: Vec<String> = self
            .items
            .iter()
            .map(|i| format!("{}× {}", i.qty, i.name))
            .collect();
        format!(
            "VOID #{} {} — {} — {}",
            self.number,
            self.table,
            items.join(", "),
            self.reason
        )
    }
}

/// The printer as the status bar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterState {
    Ready,
    PaperOut,
    CoverOpen,
    Error,
    Offline,
    /// `printer = none`: tickets are only shown.
    NotConfigured,
    Unknown,
}

impl PrinterState {
    pub fn label(self) -> &'static str {
        match self {
            PrinterState::Ready => "ready",
            PrinterState::PaperOut => "paper out",
            PrinterState::CoverOpen => "cover open",
            PrinterState::Error => "error",
            PrinterState::Offline => "offline",
            PrinterState::NotConfigured => "none",
            PrinterState::Unknown => "…",
        }
    }

    pub fn is_fault(self) -> bool {
        matches!(
            self,
            PrinterState::PaperOut
                | PrinterState::CoverOpen
                | PrinterState::Error
                | PrinterState::Offline
        )
    }
}

/// The buzzer, LED and bump button pins as the status bar shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpioState {
    /// The Raspberry Pi's pins (rppal).
    Pins,
    /// The recording fake of the tests.
    Recording,
    /// No pins: not a Pi, built without `pi`, or GPIO failed to open.
    Absent,
}

impl GpioState {
    pub fn label(self) -> &'static str {
        match self {
            GpioState::Pins => "GPIO",
            GpioState::Recording => "GPIO (test)",
            GpioState::Absent => "no GPIO",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    Printer,
    DeadLetter,
    Api,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A ticket to show (before it is printed).
    TicketArrived {
        ticket: TicketInfo,
        /// It will print with REPRINT: it may be on paper already.
        reprint: bool,
    },
    TicketPrinted {
        order_id: i64,
        reprint: bool,
    },
    /// Staff voided lines of an order: shown (the order's card loses them)
    /// and printed as a void ticket.
    VoidArrived(VoidInfo),
    /// The void ticket was printed (confirmed).
    VoidPrinted {
        void_id: i64,
    },
    TicketNotPrinted {
        order_id: i64,
        reason: String,
    },
    /// Entries read but not yet acknowledged.
    Unacked(usize),
    Printer(PrinterState),
    Redis {
        up: bool,
        detail: String,
    },
    Api {
        up: bool,
        detail: String,
    },
    /// Open orders from the admin API, asked for at `asked_at` (Unix ms):
    /// tickets shown before then whose order is not open any more are gone.
    OpenOrders {
        tickets: Vec<TicketInfo>,
        asked_at: i64,
    },
    /// A status change made here or elsewhere (push from `/ws/kitchen`).
    OrderStatus {
        order_id: i64,
        status: OrderStatus,
    },
    Alert {
        kind: AlertKind,
        text: String,
    },
    /// Which pins the device has, sent once at start.
    Gpio(GpioState),
    /// The physical bump button was pressed.
    BumpButton,
    /// Once a second: Unix milliseconds.
    Tick(i64),
    /// The server no longer knows this display: its device was revoked
    /// (its token is refused). It shows so, and stops trying.
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Mark the order ready (the cook is done with it).
    Bump(i64),
    /// Bring a bumped order back (status preparing).
    Recall(i64),
}

/// What the screen asks of the board task itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiAction {
    DismissAlert(usize),
}
