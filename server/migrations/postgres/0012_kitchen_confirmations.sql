-- End-to-end kitchen confirmation. A kitchen display reports each order it
-- printed for its station (`kitchen_confirmations`); an order is confirmed
-- (`orders.kitchen_confirmed_at`) once every station of its lines that
-- has a display has reported it. Until then the outbox relay checks, every
-- so often (`orders.kitchen_checked_at`), that Redis still holds the
-- order, and publishes it again when Redis lost it (a restart without its
-- data, a failover to a replica that missed the write).

CREATE TABLE kitchen_confirmations (
    order_id     BIGINT  NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    station      TEXT    NOT NULL,
    device_id    BIGINT  REFERENCES devices(id) ON DELETE SET NULL,
    confirmed_at BIGINT  NOT NULL,
    PRIMARY KEY (order_id, station)
);

ALTER TABLE orders ADD COLUMN kitchen_confirmed_at BIGINT;
ALTER TABLE orders ADD COLUMN kitchen_checked_at BIGINT NOT NULL DEFAULT 0;
-- Orders from before confirmations existed are taken as confirmed.
UPDATE orders SET kitchen_confirmed_at = created_at;
CREATE INDEX orders_kitchen_open ON orders (kitchen_checked_at) WHERE kitchen_confirmed_at IS NULL;
CREATE INDEX outbox_order ON outbox (order_id);
