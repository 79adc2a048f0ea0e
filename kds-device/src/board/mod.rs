//! What the kitchen screen shows, as plain data: tickets with their print
//! marks, the recall list, all-day counts, connection, printer and GPIO
//! state, alerts. This file holds the state and [`Board::apply`], which
//! folds controller events in; `view.rs` turns it into the [`BoardView`] the
//! UI adapter copies into Slint. No UI types.

mod view;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};

use qrorder_shared::order::OrderStatus;

use crate::config::Config;
use crate::event::{AlertKind, Event, GpioState, PrinterState, TicketInfo};

pub use view::{Age, BoardView, CardView, ItemView, RecallView, ViewSink};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintMark {
    /// Queued or being printed.
    Pending,
    Printed,
    NotPrinted(String),
    /// Known from the admin API only (printed by an earlier run or another device).
    FromApi,
}

#[derive(Debug, Clone)]
struct Card {
    ticket: TicketInfo,
    reprint: bool,
    print: PrintMark,
    shown_at: i64,
}

/// `Board::now` lags the real clock by up to a tick (1 s): a ticket shown
/// within this long before a reload's question counts as shown after it.
const SHOWN_AT_SLACK_MS: i64 = 2_000;

pub struct Board {
    station: String,
    warn_ms: i64,
    late_ms: i64,
    recall_ms: i64,
    utc_offset_ms: i64,
    now: i64,
    tickets: BTreeMap<i64, Card>,
    /// Bumped: (card, bumped_at).
    bumped: VecDeque<(Card, i64)>,
    redis: Option<(bool, String)>,
    api: Option<(bool, String)>,
    printer: PrinterState,
    unacked: usize,
    gpio: GpioState,
    alerts: VecDeque<String>,
    /// The device was revoked: the screen says so instead of anything else.
    removed: bool,
}

const MAX_ALERTS: usize = 3;

impl Board {
    pub fn new(config: &Config, now: i64) -> Self {
        let secs = |s: u64| {
            i64::try_from(s)
                .unwrap_or(i64::MAX / 2)
                .saturating_mul(1000)
        };
        Self {
            station: config.station.clone(),
            warn_ms: secs(config.warn_after_secs),
            late_ms: secs(config.late_after_secs),
            recall_ms: secs(config.recall_minutes.saturating_mul(60)),
            utc_offset_ms: i64::from(config.utc_offset_minutes) * 60_000,
            now,
            tickets: BTreeMap::new(),
            bumped: VecDeque::new(),
            redis: None,
            api: None,
            printer: PrinterState::Unknown,
            unacked: 0,
            gpio: GpioState::Absent,
            alerts: VecDeque::new(),
            removed: false,
        }
    }

    fn alert(&mut self, text: String) {
        if self.alerts.back() == Some(&text) {
            return;
        }
        self.alerts.push_back(text);
        while self.alerts.len() > MAX_ALERTS {
            self.alerts.pop_front();
        }
    }

    pub fn dismiss_alert(&mut self, index: usize) {
        self.alerts.remove(index);
    }

    /// The order the physical bump button bumps: the oldest open ticket.
    pub fn oldest(&self) -> Option<i64> {
        self.tickets
            .values()
            .min_by_key(|c| (c.ticket.placed_at, c.ticket.order_id))
            .map(|c| c.ticket.order_id)
    }

    pub fn is_shown(&self, order_id: i64) -> bool {
        self.tickets.contains_key(&order_id)
    }

    pub fn print_mark(&self, order_id: i64) -> Option<&PrintMark> {
        self.tickets.get(&order_id).map(|c| &c.print)
    }

    fn bumped_index(&self, order_id: i64) -> Option<usize> {
        self.bumped
            .iter()
            .position(|(c, _)| c.ticket.order_id == order_id)
    }

    pub fn apply(&mut self, event: Event) {
        match event {
            Event::TicketArrived { ticket, reprint } => {
                if self.bumped_index(ticket.order_id).is_some() {
                    return; // already done; a redelivery only reprints
                }
                let id = ticket.order_id;
                let shown_at = self.now;
                self.tickets
                    .entry(id)
                    .and_modify(|c| {
                        c.reprint |= reprint;
                        c.print = PrintMark::Pending;
                    })
                    .or_insert(Card {
                        ticket,
                        reprint,
                        print: PrintMark::Pending,
                        shown_at,
                    });
            }
            Event::TicketPrinted { order_id, reprint } => {
                if let Some(c) = self.tickets.get_mut(&order_id) {
                    c.print = PrintMark::Printed;
                    c.reprint |= reprint;
                }
            }
            Event::VoidArrived(void) => {
                self.alert(void.summary());
                let emptied = match self.tickets.get_mut(&void.order_id) {
                    Some(card) => {
                        take_off(&mut card.ticket.items, &void.items);
                        card.ticket.items.is_empty()
                    }
                    None => false,
                };
                if emptied {
                    self.tickets.remove(&void.order_id);
                }
            }
            Event::VoidPrinted { .. } => {}
            Event::TicketNotPrinted { order_id, reason } => {
                if let Some(c) = self.tickets.get_mut(&order_id) {
                    c.print = PrintMark::NotPrinted(reason);
                }
            }
            Event::Unacked(n) => self.unacked = n,
            Event::Printer(state) => self.printer = state,
            Event::Redis { up, detail } => self.redis = Some((up, detail)),
            Event::Api { up, detail } => self.api = Some((up, detail)),
            Event::Removed => self.removed = true,
            Event::OpenOrders { tickets, asked_at } => {
                let open: std::collections::HashSet<i64> =
                    tickets.iter().map(|t| t.order_id).collect();
                // Gone from the open list (cancelled, bumped elsewhere):
                // only tickets shown before the question was asked (`now`
                // moves once a second, hence the slack), and never one still
                // waiting for the printer (a screen-only device waits for none).
                let waits_for_printer = self.printer != PrinterState::NotConfigured;
                self.tickets.retain(|id, c| {
                    open.contains(id)
                        || c.shown_at + SHOWN_AT_SLACK_MS >= asked_at
                        || (waits_for_printer
                            && matches!(c.print, PrintMark::Pending | PrintMark::NotPrinted(_)))
                });
                for t in tickets {
                    if self.bumped_index(t.order_id).is_some() {
                        // Recalled elsewhere: open again.
                        if let Some(i) = self.bumped_index(t.order_id)
                            && let Some((c, _)) = self.bumped.remove(i)
                        {
                            self.tickets.insert(t.order_id, c);
                        }
                        continue;
                    }
                    let now = self.now;
                    self.tickets.entry(t.order_id).or_insert(Card {
                        ticket: t,
                        reprint: false,
                        print: PrintMark::FromApi,
                        shown_at: now,
                    });
                }
            }
            Event::OrderStatus { order_id, status } => match status {
                OrderStatus::Ready | OrderStatus::Served => {
                    if let Some(c) = self.tickets.remove(&order_id) {
                        self.bumped.push_front((c, self.now));
                    }
                }
                OrderStatus::Cancelled => {
                    if let Some(c) = self.tickets.remove(&order_id) {
                        self.alert(format!(
                            "Order #{} (table {}) was cancelled",
                            c.ticket.number, c.ticket.table
                        ));
                    }
                }
                OrderStatus::Placed | OrderStatus::Accepted | OrderStatus::Preparing => {
                    if let Some(i) = self.bumped_index(order_id)
                        && let Some((c, _)) = self.bumped.remove(i)
                    {
                        self.tickets.insert(order_id, c);
                    }
                }
            },
            Event::Alert { kind, text } => {
                let prefix = match kind {
                    AlertKind::Printer => "Printer",
                    AlertKind::DeadLetter => "Dead letter",
                    AlertKind::Api => "Admin API",
                };
                self.alert(format!("{prefix}: {text}"));
            }
            Event::Gpio(state) => self.gpio = state,
            Event::BumpButton => {}
            Event::Tick(now) => {
                self.now = now;
                let cutoff = now - self.recall_ms;
                self.bumped.retain(|(_, at)| *at >= cutoff);
            }
        }
    }
}

/// Takes the voided quantities off a card's items (same name, options and
/// note), dropping the items none is left of.
fn take_off(items: &mut Vec<crate::event::TicketItem>, voided: &[crate::event::TicketItem]) {
    for v in voided {
        let mut qty = v.qty;
        for item in items
            .iter_mut()
            .filter(|i| i.name == v.name && i.options == v.options && i.note == v.note)
        {
            let n = qty.min(item.qty);
            item.qty -= n;
            qty -= n;
            if qty == 0 {
                break;
            }
        }
    }
    items.retain(|i| i.qty > 0);
}
