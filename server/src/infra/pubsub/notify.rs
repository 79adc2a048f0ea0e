//! Events the API roles announce to the ws role over Pub/Sub: an order
//! placed or moved on, the menu changed. Best effort: Pub/Sub may lose a
//! message, and pages re-sync (they reload orders and menu on reconnect).

use qrorder_shared::order::{Order, OrderStatus};
use qrorder_shared::ws::ServerMessage;
use qrorder_shared::{MenuItemId, RestaurantId};

use crate::infra::db::to_json;
use crate::infra::keys::Keys;
use crate::infra::redis::Redis;

/// What a feature announces through (`AppState::notify`).
pub struct Notify<'a> {
    redis: &'a Redis,
    keys: &'a Keys,
}

impl<'a> Notify<'a> {
    pub fn new(redis: &'a Redis, keys: &'a Keys) -> Self {
        Self { redis, keys }
    }
}

async fn publish(redis: &Redis, channels: &[String], message: &ServerMessage) {
    let text = to_json(message);
    let result: redis::RedisResult<()> = async {
        let mut conn = redis.conn().await?;
        let mut pipe = redis::pipe();
        for channel in channels {
            pipe.cmd("PUBLISH").arg(channel).arg(&text).ignore();
        }
        pipe.query_async(&mut conn).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not announce an event to the ws role");
    }
}

impl Notify<'_> {
    /// To the table's diners and the kitchen screens.
    pub async fn order_placed(&self, restaurant: RestaurantId, order: &Order) {
        let channels = [
            self.keys.visit_channel(restaurant, order.visit_id),
            self.keys.kitchen_channel(restaurant),
        ];
        publish(
            self.redis,
            &channels,
            &ServerMessage::OrderPlaced {
                order: order.clone(),
            },
        )
        .await;
    }

    pub async fn order_status(
        &self,
        restaurant: RestaurantId,
        visit_id: i64,
        order_id: i64,
        status: OrderStatus,
    ) {
        let channels = [
            self.keys.visit_channel(restaurant, visit_id),
            self.keys.kitchen_channel(restaurant),
        ];
        publish(
            self.redis,
            &channels,
            &ServerMessage::OrderStatus { order_id, status },
        )
        .await;
    }

    /// To every table of the restaurant and its kitchen screens.
    pub async fn menu_changed(&self, restaurant: RestaurantId, item_ids: Vec<MenuItemId>) {
        if item_ids.is_empty() {
            return;
        }
        let channels = [
            self.keys.restaurant_channel(restaurant),
            self.keys.kitchen_channel(restaurant),
        ];
        publish(
            self.redis,
            &channels,
            &ServerMessage::MenuChanged { item_ids },
        )
        .await;
    }
}
