//! The payload of an entry on the kitchen stream `orders:{restaurant}`.
//! Producers write it as the entry's `payload` field (JSON); consumers
//! refuse a `schema` they do not know rather than guess.
//!
//! Two kinds of entry share the stream: an order (fields `order_id`,
//! `payload`: an [`OrderPayload`]) and a void of some of its lines (fields
//! `order_id`, `void_id`, `payload`: a [`VoidPayload`]). A void's payload
//! has no `placed_at`, so a device that knows only orders cannot mistake it
//! for one: it dead-letters it with an alert.

use serde::{Deserialize, Serialize};

use crate::order::{Order, OrderLine};
use crate::{LocalizedText, MenuItemId, RestaurantId};

/// Bumped on any change a consumer of an older version could misread.
pub const ORDER_PAYLOAD_SCHEMA: u32 = 1;
/// The schema of [`VoidPayload`].
pub const VOID_PAYLOAD_SCHEMA: u32 = 1;
/// The entry field that makes an entry a void (its value: the void's id).
pub const VOID_ID_FIELD: &str = "void_id";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPayload {
    pub schema: u32,
    pub restaurant_id: RestaurantId,
    /// The order's id in the database: consumers deduplicate by it.
    pub order_id: i64,
    /// The per-restaurant number of the day, called out in the kitchen.
    pub number: u32,
    pub table_name: String,
    /// Unix time in milliseconds.
    pub placed_at: i64,
    pub items: Vec<OrderPayloadItem>,
}

impl OrderPayload {
    /// The kitchen stream's view of an order (the station filter is the
    /// consumer's job); voided lines are not on it.
    pub fn of(restaurant: RestaurantId, order: &Order) -> Self {
        OrderPayload {
            schema: ORDER_PAYLOAD_SCHEMA,
            restaurant_id: restaurant,
            order_id: order.id,
            number: order.number,
            table_name: order.table_name.clone(),
            placed_at: order.created_at,
            items: order
                .items
                .iter()
                .filter(|l| l.voided.is_none())
                .map(OrderPayloadItem::of)
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPayloadItem {
    pub menu_item_id: MenuItemId,
    /// Snapshot of the name at order time, per language.
    pub name: LocalizedText,
    pub qty: u32,
    /// Chosen options, already in words: `("Size", "Large")`.
    pub options: Vec<OrderPayloadOption>,
    pub note: Option<String>,
    /// Station that prepares it; each station's device prints only its own.
    pub station: String,
}

impl OrderPayloadItem {
    /// The kitchen's view of an ordered line.
    pub fn of(l: &OrderLine) -> Self {
        OrderPayloadItem {
            menu_item_id: l.menu_item_id,
            name: l.name.clone(),
            qty: l.qty,
            options: l
                .options
                .iter()
                .map(|o| OrderPayloadOption {
                    group: o.group.clone(),
                    option: o.option.clone(),
                })
                .collect(),
            note: l.note.clone(),
            station: l.station.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPayloadOption {
    pub group: LocalizedText,
    pub option: LocalizedText,
}

/// Lines taken off an order by staff, with the reason: the kitchen shows
/// and prints a void ticket for the lines of its station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidPayload {
    pub schema: u32,
    pub restaurant_id: RestaurantId,
    /// Consumers deduplicate voids by it.
    pub void_id: i64,
    pub order_id: i64,
    pub number: u32,
    pub table_name: String,
    /// Unix time in milliseconds.
    pub voided_at: i64,
    pub reason: String,
    /// No line of the order is left: it is cancelled.
    pub order_cancelled: bool,
    /// The voided lines.
    pub items: Vec<OrderPayloadItem>,
}

impl VoidPayload {
    /// The void as an order-shaped payload of its lines, for a ticket.
    pub fn as_order(&self) -> OrderPayload {
        OrderPayload {
            schema: ORDER_PAYLOAD_SCHEMA,
            restaurant_id: self.restaurant_id,
            order_id: self.order_id,
            number: self.number,
            table_name: self.table_name.clone(),
            placed_at: self.voided_at,
            items: self.items.clone(),
        }
    }
}
