//! The payload of an entry on the kitchen stream `orders:{restaurant}`.
//! Producers write it as the entry's `payload` field (JSON); consumers
//! refuse a `schema` they do not know rather than guess.

use serde::{Deserialize, Serialize};

use crate::order::Order;
use crate::{LocalizedText, MenuItemId, RestaurantId};

/// Bumped on any change a consumer of an older version could misread.
pub const ORDER_PAYLOAD_SCHEMA: u32 = 1;

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
    /// consumer's job).
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
                .map(|l| OrderPayloadItem {
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
                })
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPayloadOption {
    pub group: LocalizedText,
    pub option: LocalizedText,
}
