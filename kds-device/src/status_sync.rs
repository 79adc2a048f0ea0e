//! Status sync: keeps the screen in step with order status kept by the
//! server, and carries the screen's bumps and recalls to the admin API.
//!
//! Status arrives as [`StatusUpdate`]s on a channel from two sources: the
//! `/ws/kitchen` push client ([`crate::kitchen_ws`]: changes made elsewhere,
//! and a reload on every `resync`, which the server sends first on each
//! connection) and [`probe`], a small health check of the admin API every
//! `api_health_ms` (the red banner when the API is gone, and a reload when
//! it answers first or again). Open orders are loaded from the admin API on
//! those reloads; they are polled (once per probe) only while the push
//! socket is down.

use std::time::Duration;

use qrorder_shared::error::codes;
use qrorder_shared::order::OrderStatus;
use tokio::sync::mpsc;

use crate::api::{AdminClient, ApiError};
use crate::config::Config;
use crate::event::{AlertKind, Command, Event, TicketInfo};

/// Which way of reaching the server a [`StatusUpdate::Reachable`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The admin API's HTTP endpoints.
    Http,
    /// The `/ws/kitchen` socket.
    Push,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatusUpdate {
    /// Load the open orders again (messages may have been missed).
    Reload,
    /// One order changed elsewhere (a push).
    Changed { order_id: i64, status: OrderStatus },
    /// The API could (not) be reached.
    Reachable {
        source: Source,
        up: bool,
        detail: String,
    },
    /// The server refuses this display's token: it was revoked.
    Removed,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Check the admin API's health every `every`: the HTTP half of the
/// connection state behind the red banner.
pub async fn probe(
    api: AdminClient,
    every: Duration,
    updates: mpsc::UnboundedSender<StatusUpdate>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let (up, detail) = match api.health().await {
            Ok(()) => (true, String::new()),
            Err(e) => (false, e.to_string()),
        };
        let update = StatusUpdate::Reachable {
            source: Source::Http,
            up,
            detail,
        };
        if updates.send(update).is_err() {
            return;
        }
    }
}

pub struct StatusSync {
    /// Told when the server refuses this display (revoked).
    pub removed: tokio::sync::watch::Sender<bool>,
    pub config: Config,
    pub api: AdminClient,
    pub updates: mpsc::UnboundedReceiver<StatusUpdate>,
    pub commands: mpsc::UnboundedReceiver<Command>,
    pub events: mpsc::UnboundedSender<Event>,
}

impl StatusSync {
    fn send(&self, e: Event) {
        let _ = self.events.send(e);
    }

    pub async fn run(mut self) {
        // Each source's last word; the screen shows the API up only when
        // both the HTTP API and the push socket are.
        let mut http: Option<(bool, String)> = None;
        let mut push: Option<(bool, String)> = None;
        let mut shown: Option<bool> = None;
        loop {
            tokio::select! {
                update = self.updates.recv() => match update {
                    None => return,
                    Some(StatusUpdate::Reachable { source, up, detail }) => {
                        let slot = match source {
                            Source::Http => &mut http,
                            Source::Push => &mut push,
                        };
                        // Reload when the HTTP API answers for the first time or
                        // again, and on every answer while the push socket is
                        // down (then nothing else brings changes made elsewhere).
                        let was_up = slot.as_ref().is_some_and(|s| s.0);
                        *slot = Some((up, detail));
                        let push_down = push.as_ref().is_some_and(|s| !s.0);
                        if source == Source::Http && up && (!was_up || push_down) {
                            self.reload(&mut http).await;
                        }
                        let (up, detail) = combined(http.as_ref(), push.as_ref());
                        // Up once both answered; down as soon as either failed
                        // (not while one has simply not answered yet).
                        let failed = |s: &Option<(bool, String)>| s.as_ref().is_some_and(|s| !s.0);
                        let decided = up || failed(&http) || failed(&push);
                        if decided && shown != Some(up) {
                            shown = Some(up);
                            self.send(Event::Api { up, detail });
                        }
                    }
                    Some(StatusUpdate::Reload) => self.reload(&mut http).await,
                    Some(StatusUpdate::Removed) => {
                        tracing::error!(
                            "this display was removed: the server refuses its token (the device was revoked on the console). \
                             It stops here; pair it again with `kds pair --server URL --code CODE`"
                        );
                        let _ = self.removed.send(true);
                        self.send(Event::Removed);
                    }
                    Some(StatusUpdate::Changed { order_id, status }) => {
                        self.send(Event::OrderStatus { order_id, status });
                    }
                },
                command = self.commands.recv() => match command {
                    None => return,
                    Some(Command::Bump(id)) => self.change(id, OrderStatus::Ready).await,
                    Some(Command::Recall(id)) => self.change(id, OrderStatus::Preparing).await,
                },
            }
        }
    }

    /// Load the open orders; a failure is the HTTP API being down (the
    /// probe will see it come back, which reloads again).
    async fn reload(&self, http: &mut Option<(bool, String)>) {
        let asked_at = now_ms();
        match self.api.open_orders().await {
            Ok(orders) => {
                let tickets = orders
                    .iter()
                    .filter_map(|o| {
                        TicketInfo::from_order(
                            o,
                            self.config.restaurant_id,
                            &self.config.station,
                            &self.config.language,
                        )
                    })
                    .collect();
                self.send(Event::OpenOrders { tickets, asked_at });
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot load the open orders");
                *http = Some((false, e.to_string()));
            }
        }
    }

    async fn change(&self, order_id: i64, status: OrderStatus) {
        match self.api.set_status(order_id, status).await {
            Ok(()) => self.send(Event::OrderStatus { order_id, status }),
            Err(ApiError::Refused { code, message, .. }) if code == codes::ILLEGAL_TRANSITION => {
                // Changed elsewhere meanwhile (cancelled, served, bumped on
                // another screen): the next reload shows where it stands.
                self.send(Event::Alert {
                    kind: AlertKind::Api,
                    text: format!("Order {order_id}: {message}"),
                });
            }
            Err(e) => self.send(Event::Alert {
                kind: AlertKind::Api,
                text: format!("Could not mark order {order_id} {}: {e}", status.as_str()),
            }),
        }
    }
}

/// The API as the screen shows it: up when both halves are.
fn combined(http: Option<&(bool, String)>, push: Option<&(bool, String)>) -> (bool, String) {
    let mut down = Vec::new();
    for (name, state) in [("admin API", http), ("kitchen socket", push)] {
        match state {
            Some((true, _)) => {}
            Some((false, detail)) => down.push(format!("{name}: {detail}")),
            None => down.push(format!("{name}: not reached yet")),
        }
    }
    (down.is_empty(), down.join("; "))
}

/// Reports each new printer state to the server, for the console's list of
/// kitchen devices. A report that fails is sent again on a timer until it
/// goes through or a newer state replaces it; `Unknown` is not reported.
pub async fn report_printer(
    api: AdminClient,
    mut states: mpsc::UnboundedReceiver<crate::event::PrinterState>,
) {
    use crate::event::PrinterState;
    use qrorder_shared::device::DevicePrinter;
    let wire = |s: PrinterState| match s {
        PrinterState::Ready => Some(DevicePrinter::Ready),
        PrinterState::PaperOut => Some(DevicePrinter::PaperOut),
        PrinterState::CoverOpen => Some(DevicePrinter::CoverOpen),
        PrinterState::Error => Some(DevicePrinter::Error),
        PrinterState::Offline => Some(DevicePrinter::Offline),
        PrinterState::NotConfigured => Some(DevicePrinter::NotConfigured),
        PrinterState::Unknown => None,
    };
    let (mut reported, mut pending) = (None, None);
    let mut retry = tokio::time::interval(Duration::from_secs(10));
    retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            state = states.recv() => match state {
                Some(state) => {
                    let state = wire(state);
                    if state.is_some() && state != reported {
                        pending = state;
                    }
                }
                None => return,
            },
            _ = retry.tick() => {}
        }
        if let Some(state) = pending {
            match api.report_printer(state).await {
                Ok(()) => {
                    reported = Some(state);
                    pending = None;
                }
                Err(e) => tracing::debug!(error = %e, "printer state not reported yet"),
            }
        }
    }
}
