//! The board as the screen shows it: [`BoardView`], every text and colour
//! already decided (elapsed times, ages, banner, printer alert, clock), and
//! [`Board::view`], which makes one. Still plain data: the UI adapter only
//! copies it into Slint.

use std::collections::BTreeMap;

use super::{Board, Card, PrintMark};
use crate::event::PrinterState;

/// Receives every new view of the board (the UI adapter, or nothing headless).
/// The banner of a revoked display.
pub const REMOVED: &str =
    "THIS DISPLAY WAS REMOVED — an owner revoked it; pair it again from the console's Devices page";

pub type ViewSink = Box<dyn FnMut(BoardView) + Send>;

/// How long a ticket has waited, as its colour says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Age {
    Fresh,
    /// Past `warn_after_secs`: yellow.
    Warning,
    /// Past `late_after_secs`: red.
    Late,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemView {
    pub qty: u32,
    pub name: String,
    pub options: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardView {
    pub order_id: i64,
    pub number: u32,
    pub table: String,
    /// `m:ss`, or `h:mm:ss` past an hour.
    pub elapsed: String,
    pub age: Age,
    pub items: Vec<ItemView>,
    pub reprint: bool,
    pub not_printed: bool,
    pub print_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecallView {
    pub order_id: i64,
    pub number: u32,
    pub table: String,
    pub bumped_ago: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BoardView {
    pub station: String,
    /// Oldest first.
    pub cards: Vec<CardView>,
    /// Most recently bumped first.
    pub recall: Vec<RecallView>,
    /// Open quantity per item name, largest first.
    pub all_day: Vec<(String, u32)>,
    pub clock: String,
    pub redis_ok: bool,
    pub api_ok: bool,
    pub printer: String,
    pub printer_ok: bool,
    pub unacked: usize,
    pub gpio: String,
    /// Red banner text; empty when all is well.
    pub banner: String,
    /// Printer fault with the count of tickets not printed; empty when fine.
    pub printer_alert: String,
    /// Dismissable alerts (dead letters, cancellations, failed bumps).
    pub alerts: Vec<String>,
}

fn mmss(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

impl Board {
    pub fn view(&self) -> BoardView {
        let mut cards: Vec<&Card> = self.tickets.values().collect();
        cards.sort_by_key(|c| (c.ticket.placed_at, c.ticket.order_id));
        let mut all_day: BTreeMap<&str, u32> = BTreeMap::new();
        for c in &cards {
            for i in &c.ticket.items {
                *all_day.entry(i.name.as_str()).or_default() += i.qty;
            }
        }
        let mut all_day: Vec<(String, u32)> = all_day
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        all_day.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

        let redis_ok = self.redis.as_ref().is_none_or(|r| r.0);
        let api_ok = self.api.as_ref().is_none_or(|a| a.0);
        let mut banner = Vec::new();
        if self.removed {
            banner.push(REMOVED);
        } else if !redis_ok {
            banner.push("REDIS CONNECTION LOST — new orders are not arriving");
        }
        if !api_ok && !self.removed {
            banner.push("ADMIN API UNREACHABLE — bumps and cancellations are not synced");
        }
        let not_printed = cards
            .iter()
            .filter(|c| matches!(c.print, PrintMark::NotPrinted(_)))
            .count();
        let alerts: Vec<String> = self.alerts.iter().cloned().collect();
        let printer_alert = if self.printer.is_fault() || not_printed > 0 {
            format!(
                "PRINTER {}: {not_printed} ticket(s) not printed — they print when it is fixed",
                self.printer.label().to_uppercase()
            )
        } else {
            String::new()
        };
        let local = self.now + self.utc_offset_ms;
        let secs = local.rem_euclid(86_400_000) / 1000;
        BoardView {
            station: self.station.clone(),
            cards: cards
                .into_iter()
                .map(|c| {
                    let elapsed = self.now - c.ticket.placed_at;
                    CardView {
                        order_id: c.ticket.order_id,
                        number: c.ticket.number,
                        table: c.ticket.table.clone(),
                        elapsed: mmss(elapsed),
                        age: if elapsed >= self.late_ms {
                            Age::Late
                        } else if elapsed >= self.warn_ms {
                            Age::Warning
                        } else {
                            Age::Fresh
                        },
                        items: c
                            .ticket
                            .items
                            .iter()
                            .map(|i| ItemView {
                                qty: i.qty,
                                name: i.name.clone(),
                                options: i.options.clone(),
                                note: i.note.clone().unwrap_or_default(),
                            })
                            .collect(),
                        reprint: c.reprint,
                        not_printed: matches!(c.print, PrintMark::NotPrinted(_)),
                        print_text: match &c.print {
                            // A screen-only device (`printer = none`) prints nothing.
                            PrintMark::Pending if self.printer == PrinterState::NotConfigured => {
                                String::new()
                            }
                            PrintMark::Pending => "printing…".into(),
                            PrintMark::Printed | PrintMark::FromApi => String::new(),
                            PrintMark::NotPrinted(_) => "NOT PRINTED".into(),
                        },
                    }
                })
                .collect(),
            recall: self
                .bumped
                .iter()
                .map(|(c, at)| RecallView {
                    order_id: c.ticket.order_id,
                    number: c.ticket.number,
                    table: c.ticket.table.clone(),
                    bumped_ago: mmss(self.now - at),
                })
                .collect(),
            all_day,
            clock: format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60),
            redis_ok,
            api_ok,
            printer: self.printer.label().into(),
            printer_ok: !self.printer.is_fault(),
            unacked: self.unacked,
            gpio: self.gpio.label().into(),
            banner: banner.join("   ·   "),
            printer_alert,
            alerts,
        }
    }
}
