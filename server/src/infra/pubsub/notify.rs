//! Events the API roles announce to the ws role over Pub/Sub: an order
//! placed, moved on or changed by a void, a service request, a table's bill paid or closed, the menu changed. Best effort: Pub/Sub may lose a
//! message, and pages re-sync (they reload orders and menu on reconnect).

use qrorder_shared::order::{Order, OrderStatus};
use qrorder_shared::payment::TableUpdate;
use qrorder_shared::service::ServiceRequest;
use qrorder_shared::ws::ServerMessage;
use qrorder_shared::{MenuItemId, RestaurantId, TableId};

use crate::infra::cache::Caches;
use crate::infra::db::to_json;
use crate::infra::keys::Keys;
use crate::infra::redis::Redis;

/// Said on a restaurant's kitchen channel when a device was revoked (or a
/// session ended): every kitchen socket of the restaurant checks its token
/// again at once and closes (1008) if it no longer works. A signal between
/// the API roles and the ws role only: kitchen sockets never forward it.
pub const KITCHEN_RECHECK: &str = r#"{"type":"recheck_access"}"#;

/// The start of every table recheck signal (see [`table_recheck`]): diner
/// sockets never forward a restaurant-channel message that starts so.
pub const TABLE_RECHECK_PREFIX: &str = r#"{"type":"recheck_table","table_id":"#;

/// Said on a restaurant's diner channel when a table's token was rotated or
/// the table taken out of service: every diner socket of that table checks
/// its token again at once and closes (4404) if it no longer works. Sent on
/// the restaurant's channel (every diner socket of the restaurant is in it,
/// whatever visit it joined) and matched by its exact text, so the other
/// tables' sockets pay only a string comparison. A signal between the API
/// roles and the ws role only.
pub fn table_recheck(table: TableId) -> String {
    format!("{TABLE_RECHECK_PREFIX}{}}}", table.0)
}

/// What a feature announces through (`AppState::notify`).
pub struct Notify<'a> {
    redis: &'a Redis,
    keys: &'a Keys,
    /// This process's caches, which forget what an announced change made old.
    caches: &'a Caches,
}

impl<'a> Notify<'a> {
    pub fn new(redis: &'a Redis, keys: &'a Keys, caches: &'a Caches) -> Self {
        Self {
            redis,
            keys,
            caches,
        }
    }
}

async fn publish(redis: &Redis, channels: &[String], message: &ServerMessage) {
    publish_text(redis, channels, &to_json(message)).await;
}

async fn publish_text(redis: &Redis, channels: &[String], text: &str) {
    let result: redis::RedisResult<()> = async {
        let mut conn = redis.conn().await?;
        let mut pipe = redis::pipe();
        for channel in channels {
            pipe.cmd(conn.publish_command())
                .arg(channel)
                .arg(text)
                .ignore();
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

    /// Lines of an order were voided: the order as it now stands, to the
    /// table's diners and the staff feed (the kitchen channel; kitchen
    /// screens hear the void on the kitchen stream).
    pub async fn order_changed(&self, restaurant: RestaurantId, order: &Order) {
        let channels = [
            self.keys.visit_channel(restaurant, order.visit_id),
            self.keys.kitchen_channel(restaurant),
        ];
        publish(
            self.redis,
            &channels,
            &ServerMessage::OrderChanged {
                order: order.clone(),
            },
        )
        .await;
    }

    /// Every kitchen display concerned confirmed the order's ticket: the
    /// order as it now stands, to the staff feed only (diners see no change).
    pub async fn kitchen_confirmed(&self, restaurant: RestaurantId, order: &Order) {
        publish(
            self.redis,
            &[self.keys.kitchen_channel(restaurant)],
            &ServerMessage::OrderChanged {
                order: order.clone(),
            },
        )
        .await;
    }

    /// A service request made, acknowledged or done: to the table's diners
    /// and the staff feed (the kitchen channel).
    pub async fn service_request(&self, restaurant: RestaurantId, request: &ServiceRequest) {
        let channels = [
            self.keys.visit_channel(restaurant, request.visit_id),
            self.keys.kitchen_channel(restaurant),
        ];
        publish(
            self.redis,
            &channels,
            &ServerMessage::ServiceRequest {
                request: request.clone(),
            },
        )
        .await;
    }

    /// A table's state changed (a payment taken, its bill closed): to the
    /// staff feed (the kitchen channel) and to that visit's diners, whose
    /// page shows the bill.
    pub async fn table(&self, restaurant: RestaurantId, update: &TableUpdate) {
        let channels = [
            self.keys.visit_channel(restaurant, update.visit_id),
            self.keys.kitchen_channel(restaurant),
        ];
        publish(
            self.redis,
            &channels,
            &ServerMessage::Table {
                table: update.clone(),
            },
        )
        .await;
    }

    /// The number of people at a table's visit changed: to the staff feed
    /// only (the diners know who is there from their own presence).
    pub async fn people(
        &self,
        restaurant: RestaurantId,
        table: TableId,
        visit_id: i64,
        people: u32,
    ) {
        let channels = [self.keys.kitchen_channel(restaurant)];
        let update = TableUpdate {
            table_id: table,
            visit_id,
            paid: None,
            due: None,
            closed: false,
            next_visit_id: None,
            people: Some(people),
        };
        publish(
            self.redis,
            &channels,
            &ServerMessage::Table { table: update },
        )
        .await;
    }

    /// To every table of the restaurant and its kitchen screens.
    pub async fn menu_changed(&self, restaurant: RestaurantId, item_ids: Vec<MenuItemId>) {
        if item_ids.is_empty() {
            return;
        }
        self.caches.menu_changed(restaurant);
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

    /// A table's token was rotated or the table deactivated: its diner
    /// sockets check theirs now (see [`table_recheck`]).
    pub async fn table_access_changed(&self, restaurant: RestaurantId, table: TableId) {
        let channels = [self.keys.restaurant_channel(restaurant)];
        publish_text(self.redis, &channels, &table_recheck(table)).await;
    }

    /// A device token was revoked or a session ended: the restaurant's
    /// kitchen sockets check theirs now (see [`KITCHEN_RECHECK`]).
    pub async fn kitchen_access_changed(&self, restaurant: RestaurantId) {
        let channels = [self.keys.kitchen_channel(restaurant)];
        publish_text(self.redis, &channels, KITCHEN_RECHECK).await;
    }
}
