//! Kitchen-stream order payloads for the device tests and the latency
//! benchmark: one English item per line, numbered and named after the id.

#![allow(clippy::unwrap_used, dead_code)]

use qrorder_shared::stream::{ORDER_PAYLOAD_SCHEMA, OrderPayload, OrderPayloadItem};
use qrorder_shared::{LocalizedText, MenuItemId, RestaurantId};

pub fn item(name: &str, qty: u32, station: &str) -> OrderPayloadItem {
    OrderPayloadItem {
        menu_item_id: MenuItemId(1),
        name: LocalizedText::new(&[("en", name)]),
        qty,
        options: vec![],
        note: None,
        station: station.into(),
    }
}

/// Order `order_id` of `restaurant`, placed now: number `order_id % 1000`,
/// table `T{order_id % 20}`.
pub fn payload_of(restaurant: i64, order_id: i64, items: Vec<OrderPayloadItem>) -> OrderPayload {
    OrderPayload {
        schema: ORDER_PAYLOAD_SCHEMA,
        restaurant_id: RestaurantId(restaurant),
        order_id,
        number: u32::try_from(order_id % 1000).unwrap(),
        table_name: format!("T{}", order_id % 20),
        placed_at: kds::status_sync::now_ms(),
        items,
    }
}
