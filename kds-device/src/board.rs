//! What the kitchen screen shows, as plain data: tickets with their print
//! marks, the recall list, all-day counts, connection and printer state,
//! alerts. [`Board::apply`] folds controller events in; [`Board::view`]
//! gives the [`BoardView`] the UI adapter copies into Slint. No UI types.

use std::collections::{BTreeMap, VecDeque};

use qrorder_shared::order::OrderStatus;

use crate::config::Config;
use crate::event::{AlertKind, Event, PrinterState, TicketInfo};

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
    /// 0 fresh, 1 warning (yellow), 2 late (red).
    pub age: u8,
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
    gpio: String,
    alerts: VecDeque<String>,
}

const MAX_ALERTS: usize = 3;

fn mmss(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

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
            gpio: "no GPIO".into(),
            alerts: VecDeque::new(),
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
            Event::TicketNotPrinted { order_id, reason } => {
                if let Some(c) = self.tickets.get_mut(&order_id) {
                    c.print = PrintMark::NotPrinted(reason);
                }
            }
            Event::Unacked(n) => self.unacked = n,
            Event::Printer(state) => self.printer = state,
            Event::Redis { up, detail } => self.redis = Some((up, detail)),
            Event::Api { up, detail } => self.api = Some((up, detail)),
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
            Event::Gpio(label) => self.gpio = label,
            Event::BumpButton => {}
            Event::Tick(now) => {
                self.now = now;
                let cutoff = now - self.recall_ms;
                self.bumped.retain(|(_, at)| *at >= cutoff);
            }
        }
    }

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
        if !redis_ok {
            banner.push("REDIS CONNECTION LOST — new orders are not arriving");
        }
        if !api_ok {
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
                            2
                        } else if elapsed >= self.warn_ms {
                            1
                        } else {
                            0
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
            gpio: self.gpio.clone(),
            banner: banner.join("   ·   "),
            printer_alert,
            alerts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::TicketItem;

    fn ticket(id: i64, placed_at: i64, name: &str, qty: u32) -> TicketInfo {
        TicketInfo {
            order_id: id,
            number: u32::try_from(id).unwrap_or(0),
            table: format!("T{id}"),
            placed_at,
            items: vec![TicketItem {
                qty,
                name: name.into(),
                options: String::new(),
                note: None,
            }],
        }
    }

    #[test]
    fn tickets_age_from_white_to_yellow_to_red() {
        let mut b = Board::new(&Config::default(), 0);
        b.apply(Event::TicketArrived {
            ticket: ticket(1, 0, "Soup", 1),
            reprint: false,
        });
        b.apply(Event::Tick(4 * 60_000));
        assert_eq!(b.view().cards[0].age, 0);
        b.apply(Event::Tick(5 * 60_000));
        assert_eq!(b.view().cards[0].age, 1);
        b.apply(Event::Tick(10 * 60_000 + 1));
        let v = b.view();
        assert_eq!((v.cards[0].age, v.cards[0].elapsed.as_str()), (2, "10:00"));
    }

    #[test]
    fn bumped_tickets_can_be_recalled_for_thirty_minutes() {
        let mut b = Board::new(&Config::default(), 0);
        b.apply(Event::TicketArrived {
            ticket: ticket(1, 0, "Soup", 2),
            reprint: false,
        });
        b.apply(Event::OrderStatus {
            order_id: 1,
            status: OrderStatus::Ready,
        });
        assert!(b.view().cards.is_empty());
        assert_eq!(b.view().recall.len(), 1);
        b.apply(Event::OrderStatus {
            order_id: 1,
            status: OrderStatus::Preparing,
        });
        assert_eq!(b.view().cards.len(), 1);
        b.apply(Event::OrderStatus {
            order_id: 1,
            status: OrderStatus::Ready,
        });
        b.apply(Event::Tick(30 * 60_000 + 1));
        assert!(b.view().recall.is_empty());
    }

    #[test]
    fn all_day_counts_add_up_open_quantities() {
        let mut b = Board::new(&Config::default(), 0);
        b.apply(Event::TicketArrived {
            ticket: ticket(1, 0, "Soup", 2),
            reprint: false,
        });
        b.apply(Event::TicketArrived {
            ticket: ticket(2, 1, "Soup", 3),
            reprint: false,
        });
        b.apply(Event::TicketArrived {
            ticket: ticket(3, 2, "Rice", 1),
            reprint: false,
        });
        assert_eq!(
            b.view().all_day,
            vec![("Soup".into(), 5), ("Rice".into(), 1)]
        );
        assert_eq!(b.oldest(), Some(1));
    }

    #[test]
    fn reload_drops_closed_orders_but_not_unprinted_or_newer_tickets() {
        let mut b = Board::new(&Config::default(), 100);
        b.apply(Event::TicketArrived {
            ticket: ticket(1, 0, "Soup", 1),
            reprint: false,
        });
        b.apply(Event::TicketPrinted {
            order_id: 1,
            reprint: false,
        });
        b.apply(Event::TicketArrived {
            ticket: ticket(2, 0, "Soup", 1),
            reprint: false,
        });
        b.apply(Event::TicketNotPrinted {
            order_id: 2,
            reason: "paper out".into(),
        });
        b.apply(Event::Tick(10_000));
        b.apply(Event::TicketArrived {
            ticket: ticket(3, 0, "Soup", 1),
            reprint: false,
        });
        b.apply(Event::TicketPrinted {
            order_id: 3,
            reprint: false,
        });
        b.apply(Event::OpenOrders {
            tickets: vec![ticket(4, 0, "Tea", 1)],
            asked_at: 5_000,
        });
        let ids: Vec<i64> = b.view().cards.iter().map(|c| c.order_id).collect();
        assert_eq!(ids, vec![2, 3, 4]);
        assert!(b.view().cards[0].not_printed);
        assert!(b.view().printer_alert.contains("not printed"));
    }

    #[test]
    fn reload_keeps_a_ticket_shown_within_a_tick_of_the_question() {
        // `now` is the last tick (9 s); the question was asked at 9.8 s,
        // just before this ticket arrived and printed: it stays.
        let mut b = Board::new(&Config::default(), 9_000);
        b.apply(Event::TicketArrived {
            ticket: ticket(5, 0, "Soup", 1),
            reprint: false,
        });
        b.apply(Event::TicketPrinted {
            order_id: 5,
            reprint: false,
        });
        b.apply(Event::OpenOrders {
            tickets: vec![],
            asked_at: 9_800,
        });
        assert!(b.is_shown(5));
    }

    #[test]
    fn a_screen_only_device_drops_tickets_closed_elsewhere_on_reload() {
        let mut b = Board::new(&Config::default(), 1_000);
        b.apply(Event::Printer(PrinterState::NotConfigured));
        b.apply(Event::TicketArrived {
            ticket: ticket(6, 0, "Soup", 1),
            reprint: false,
        });
        b.apply(Event::Tick(60_000));
        b.apply(Event::OpenOrders {
            tickets: vec![],
            asked_at: 60_000,
        });
        assert!(!b.is_shown(6), "cancelled while the socket was down");
    }

    #[test]
    fn a_screen_only_device_does_not_say_printing() {
        let mut b = Board::new(&Config::default(), 0);
        b.apply(Event::TicketArrived {
            ticket: ticket(1, 0, "Soup", 1),
            reprint: false,
        });
        assert_eq!(b.view().cards[0].print_text, "printing…");
        b.apply(Event::Printer(PrinterState::NotConfigured));
        assert_eq!(b.view().cards[0].print_text, "");
    }

    #[test]
    fn losing_redis_or_the_api_raises_the_banner() {
        let mut b = Board::new(&Config::default(), 0);
        assert!(b.view().banner.is_empty());
        b.apply(Event::Redis {
            up: false,
            detail: "refused".into(),
        });
        assert!(b.view().banner.contains("REDIS"));
        b.apply(Event::Redis {
            up: true,
            detail: String::new(),
        });
        b.apply(Event::Api {
            up: false,
            detail: "timeout".into(),
        });
        assert!(b.view().banner.contains("API") && !b.view().banner.contains("REDIS"));
    }
}
