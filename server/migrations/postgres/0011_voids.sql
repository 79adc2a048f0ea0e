-- Staff order entry and voids. A void takes lines off an order, with a
-- reason, by a staff member: its lines point at it (`order_items.void_id`),
-- they are on no bill, and their stock was given back. The kitchen hears
-- of it through the outbox like an order (`outbox.void_id` set).
-- Lines entered from the console remember who entered them.

CREATE TABLE order_voids (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id  BIGINT  NOT NULL REFERENCES restaurants(id),
    order_id       BIGINT  NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    reason         TEXT    NOT NULL,
    voided_by_user BIGINT  NOT NULL,
    voided_by_name TEXT    NOT NULL,
    -- What the voided lines came to (their line totals), in minor units.
    amount_minor   BIGINT  NOT NULL,
    created_at     BIGINT  NOT NULL
);
CREATE INDEX order_voids_restaurant_created ON order_voids (restaurant_id, created_at);

ALTER TABLE order_items ADD COLUMN void_id BIGINT REFERENCES order_voids(id);
ALTER TABLE order_items ADD COLUMN entered_by_user BIGINT;
ALTER TABLE order_items ADD COLUMN entered_by_name TEXT;
ALTER TABLE outbox ADD COLUMN void_id BIGINT REFERENCES order_voids(id) ON DELETE CASCADE;
