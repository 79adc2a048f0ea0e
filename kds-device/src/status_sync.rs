//! Status sync: keeps the screen in step with order status kept by the
//! server, and carries the screen's bumps and recalls to the admin API.
//!
//! Status arrives as [`StatusUpdate`]s on a channel. Today the only source
//! is [`poll_open_orders`], which reloads the open orders from the admin
//! API every `api_poll_ms` (that is also the API health check behind the
//! red banner, and the reload after a reconnect). The `/ws/kitchen` push
//! client, when the server has it, becomes one more sender on the same
//! channel (`StatusUpdate::Changed`, plus `Reconnected` to trigger a reload).

use std::time::Duration;

use qrorder_shared::order::{Order, OrderStatus};
use tokio::sync::mpsc;

use crate::api::{AdminClient, ApiError};
use crate::config::Config;
use crate::event::{AlertKind, Command, Event, TicketInfo};

#[derive(Debug, Clone, PartialEq)]
pub enum StatusUpdate {
    /// The full list of open orders, asked for at `asked_at` (Unix ms).
    OpenOrders { orders: Vec<Order>, asked_at: i64 },
    /// One order changed elsewhere (a push).
    Changed { order_id: i64, status: OrderStatus },
    /// The API could (not) be reached.
    Reachable { up: bool, detail: String },
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Reload open orders periodically: the polling status source.
pub async fn poll_open_orders(
    api: AdminClient,
    every: Duration,
    updates: mpsc::UnboundedSender<StatusUpdate>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let asked_at = now_ms();
        let update = match api.open_orders().await {
            Ok(orders) => {
                let _ = updates.send(StatusUpdate::Reachable {
                    up: true,
                    detail: String::new(),
                });
                StatusUpdate::OpenOrders { orders, asked_at }
            }
            Err(e) => StatusUpdate::Reachable {
                up: false,
                detail: e.to_string(),
            },
        };
        if updates.send(update).is_err() {
            return;
        }
    }
}

pub struct StatusSync {
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
        let mut api_up: Option<bool> = None;
        loop {
            tokio::select! {
                update = self.updates.recv() => match update {
                    None => return,
                    Some(StatusUpdate::Reachable { up, detail }) => {
                        if api_up != Some(up) {
                            api_up = Some(up);
                            self.send(Event::Api { up, detail });
                        }
                    }
                    Some(StatusUpdate::OpenOrders { orders, asked_at }) => {
                        let tickets = orders
                            .iter()
                            .filter_map(|o| TicketInfo::from_order(o, self.config.restaurant_id, &self.config.station, &self.config.language))
                            .collect();
                        self.send(Event::OpenOrders { tickets, asked_at });
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

    async fn change(&self, order_id: i64, status: OrderStatus) {
        match self.api.set_status(order_id, status).await {
            Ok(()) => self.send(Event::OrderStatus { order_id, status }),
            Err(ApiError::Refused { code, message, .. }) if code == "illegal_transition" => {
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
