//! Every Redis key and Pub/Sub channel name of QR Order, built here and
//! only here: the server and the kitchen display both call these (a key is
//! a contract between them). All carry the configured prefix, so
//! deployments and tests can share one Redis; keys of one restaurant carry
//! a `{restaurant}` hash tag so that they land on one Redis Cluster slot.
//! Strings only: no I/O.

use crate::{DeviceId, RestaurantId};

#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// The kitchen stream of a restaurant: one entry per order, read by a
    /// consumer group per station.
    pub fn orders_stream(&self, restaurant: RestaurantId) -> String {
        format!("{}:orders:{{{}}}", self.prefix, restaurant.0)
    }

    /// Where kitchen devices move entries that failed too often.
    pub fn orders_dead_letter(&self, restaurant: RestaurantId) -> String {
        format!("{}:orders:{{{}}}:dead", self.prefix, restaurant.0)
    }

    /// Marks an order as on the stream, so that it is added exactly once
    /// however many times the outbox publishes it. Same hash tag as the stream.
    pub fn order_published(&self, restaurant: RestaurantId, order_id: i64) -> String {
        format!(
            "{}:orders:{{{}}}:published:{order_id}",
            self.prefix, restaurant.0
        )
    }

    /// Marks a void as on the stream (like [`Keys::order_published`]).
    pub fn void_published(&self, restaurant: RestaurantId, void_id: i64) -> String {
        format!(
            "{}:orders:{{{}}}:voided:{void_id}",
            self.prefix, restaurant.0
        )
    }

    /// The shared cart of one table visit.
    pub fn cart(&self, restaurant: RestaurantId, visit_id: i64) -> String {
        format!("{}:cart:{{{}}}:{visit_id}", self.prefix, restaurant.0)
    }

    /// Who is at a table during one visit: one field per connected socket.
    pub fn presence(&self, restaurant: RestaurantId, visit_id: i64) -> String {
        format!("{}:presence:{{{}}}:{visit_id}", self.prefix, restaurant.0)
    }

    /// How many people the staff feed was last told are at a table during
    /// one visit (so that only a change is told).
    pub fn presence_told(&self, restaurant: RestaurantId, visit_id: i64) -> String {
        format!(
            "{}:presence:{{{}}}:{visit_id}:told",
            self.prefix, restaurant.0
        )
    }

    /// Set while a change of the people at a visit's table settles before
    /// it is told: the changes that come meanwhile are told with it.
    pub fn presence_settling(&self, restaurant: RestaurantId, visit_id: i64) -> String {
        format!(
            "{}:presence:{{{}}}:{visit_id}:settling",
            self.prefix, restaurant.0
        )
    }

    /// Pub/Sub channel of one table visit: cart ops, presence, its orders'
    /// events. Per visit, so that phones of an earlier party hear nothing of
    /// the next one.
    pub fn visit_channel(&self, restaurant: RestaurantId, visit_id: i64) -> String {
        format!("{}:visit:{{{}}}:{visit_id}", self.prefix, restaurant.0)
    }

    /// Pub/Sub channel every diner of a restaurant hears (menu changes).
    pub fn restaurant_channel(&self, restaurant: RestaurantId) -> String {
        format!("{}:restaurant:{{{}}}", self.prefix, restaurant.0)
    }

    /// Pub/Sub channel of the restaurant's kitchen screens.
    pub fn kitchen_channel(&self, restaurant: RestaurantId) -> String {
        format!("{}:kitchen:{{{}}}", self.prefix, restaurant.0)
    }

    /// On a Redis Cluster, the ws hubs' heartbeat channel of one hash tag
    /// (the `{…}` of the channels they subscribe, a restaurant's id): a hub
    /// that stops hearing its own beats there is subscribed on a node that
    /// no longer serves that slot.
    pub fn hub_heartbeat(&self, hash_tag: &str) -> String {
        format!("{}:hub-heartbeat:{{{hash_tag}}}", self.prefix)
    }

    /// Token bucket of the service requests of one table visit.
    pub fn service_rate(&self, restaurant: RestaurantId, visit_id: i64) -> String {
        format!(
            "{}:rate:{{{}}}:service:visit:{visit_id}",
            self.prefix, restaurant.0
        )
    }

    /// Token bucket of the orders of one table visit.
    pub fn order_rate_visit(&self, restaurant: RestaurantId, visit_id: i64) -> String {
        format!(
            "{}:rate:{{{}}}:orders:visit:{visit_id}",
            self.prefix, restaurant.0
        )
    }

    /// Token bucket of the orders from one client address (an IPv4
    /// address, or an IPv6 /64) at one restaurant; same hash tag as the
    /// visit's, so both are taken in one script.
    pub fn order_rate_client(&self, restaurant: RestaurantId, client: &str) -> String {
        format!(
            "{}:rate:{{{}}}:orders:client:{client}",
            self.prefix, restaurant.0
        )
    }

    /// Marks an order request (its Idempotency-Key, at one visit) as
    /// counted by the order limits, so that its retries are not.
    pub fn order_rate_seen(&self, restaurant: RestaurantId, visit_id: i64, key: &str) -> String {
        format!(
            "{}:rate:{{{}}}:orders:seen:{visit_id}:{key}",
            self.prefix, restaurant.0
        )
    }

    /// Token bucket of the login attempts at one account (`account`: a
    /// digest of the email, so any email makes a short key) from one client
    /// address. Every login bucket carries the `{login}` hash tag: a login
    /// takes from several in one script.
    pub fn login_rate_pair(&self, account: &str, client: &str) -> String {
        format!("{}:rate:{{login}}:pair:{account}:{client}", self.prefix)
    }

    /// Token bucket of the login attempts at one account, from anywhere.
    pub fn login_rate_account(&self, account: &str) -> String {
        format!("{}:rate:{{login}}:account:{account}", self.prefix)
    }

    /// Token bucket of the login attempts from one client address (an IPv4
    /// address, or an IPv6 /64), at any account.
    pub fn login_rate_client(&self, client: &str) -> String {
        format!("{}:rate:{{login}}:client:{client}", self.prefix)
    }

    /// Token bucket of the login attempts that show one known-device token
    /// (`device`: the token's digest).
    pub fn login_rate_device(&self, device: &str) -> String {
        format!("{}:rate:{{login}}:device:{device}", self.prefix)
    }

    /// Token bucket of the pairing attempts from one client address (an
    /// IPv4 address, or an IPv6 /64). A wrong code names no restaurant, so
    /// these share one hash tag of their own.
    pub fn pairing_rate_client(&self, client: &str) -> String {
        format!("{}:rate:{{pairing}}:client:{client}", self.prefix)
    }

    /// Token bucket of the wrong pairing codes tried while a restaurant has
    /// a code open: each one is a guess at that restaurant's code.
    pub fn pairing_rate_restaurant(&self, restaurant: RestaurantId) -> String {
        format!("{}:rate:{{{}}}:pairing", self.prefix, restaurant.0)
    }

    /// The Redis ACL user of one kitchen device (`REDIS_DEVICE_ACL`). Not a
    /// key, but named per deployment like one, so that deployments sharing
    /// a Redis do not share users.
    pub fn device_user(&self, device: DeviceId) -> String {
        format!("{}-device-{}", self.prefix, device.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kitchen_stream_keys_carry_the_prefix_and_the_restaurant_hash_tag() {
        let k = Keys::new("qrorder");
        assert_eq!(k.orders_stream(RestaurantId(7)), "qrorder:orders:{7}");
        assert_eq!(
            k.orders_dead_letter(RestaurantId(7)),
            "qrorder:orders:{7}:dead"
        );
    }

    #[test]
    fn device_users_are_named_per_deployment() {
        let k = Keys::new("qrorder");
        assert_eq!(k.device_user(DeviceId(12)), "qrorder-device-12");
        assert_eq!(
            k.pairing_rate_restaurant(RestaurantId(3)),
            "qrorder:rate:{3}:pairing"
        );
    }

    #[test]
    fn login_buckets_share_one_hash_tag_and_carry_the_prefix() {
        let k = Keys::new("t1");
        assert_eq!(
            k.login_rate_pair("ab12", "127.0.0.1"),
            "t1:rate:{login}:pair:ab12:127.0.0.1"
        );
        assert_eq!(k.login_rate_account("ab12"), "t1:rate:{login}:account:ab12");
        assert_eq!(k.login_rate_client("::1"), "t1:rate:{login}:client:::1");
    }
}
