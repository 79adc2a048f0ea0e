-- Orders: table visits, orders with their item snapshots, the daily order
-- number counter, and the transactional outbox to the kitchen stream.

ALTER TABLE restaurants ADD COLUMN tax_rate_bp BIGINT  NOT NULL DEFAULT 0
    CHECK (tax_rate_bp >= 0 AND tax_rate_bp <= 10000);
ALTER TABLE restaurants ADD COLUMN tax_included BIGINT  NOT NULL DEFAULT 1
    CHECK (tax_included IN (0, 1));

CREATE TABLE table_visits (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id BIGINT  NOT NULL REFERENCES restaurants(id),
    table_id      BIGINT  NOT NULL REFERENCES dining_tables(id),
    opened_at     BIGINT  NOT NULL,
    closed_at     BIGINT,
    paid          BIGINT  NOT NULL DEFAULT 0 CHECK (paid IN (0, 1))
);
-- At most one open visit per table.
CREATE UNIQUE INDEX table_visits_open ON table_visits (table_id) WHERE closed_at IS NULL;

CREATE TABLE order_numbers (
    restaurant_id BIGINT  NOT NULL REFERENCES restaurants(id),
    business_day  TEXT    NOT NULL,
    last_number   BIGINT  NOT NULL,
    PRIMARY KEY (restaurant_id, business_day)
);

CREATE TABLE orders (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id   BIGINT  NOT NULL REFERENCES restaurants(id),
    table_id        BIGINT  NOT NULL REFERENCES dining_tables(id),
    visit_id        BIGINT  NOT NULL REFERENCES table_visits(id),
    table_name      TEXT    NOT NULL,
    business_day    TEXT    NOT NULL,
    number          BIGINT  NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'placed'
        CHECK (status IN ('placed', 'accepted', 'preparing', 'ready', 'served', 'cancelled')),
    idempotency_key TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    subtotal_minor  BIGINT  NOT NULL,
    tax_minor       BIGINT  NOT NULL,
    total_minor     BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    accepted_at     BIGINT,
    preparing_at    BIGINT,
    ready_at        BIGINT,
    served_at       BIGINT,
    cancelled_at    BIGINT,
    UNIQUE (table_id, idempotency_key),
    UNIQUE (restaurant_id, business_day, number)
);
CREATE INDEX orders_restaurant_created ON orders (restaurant_id, created_at);
CREATE INDEX orders_visit ON orders (visit_id);

CREATE TABLE order_items (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id         BIGINT  NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    menu_item_id     BIGINT  NOT NULL,
    names            TEXT    NOT NULL,
    qty              BIGINT  NOT NULL CHECK (qty > 0),
    unit_price_minor BIGINT  NOT NULL,
    options          TEXT    NOT NULL DEFAULT '[]',
    note             TEXT,
    station          TEXT    NOT NULL,
    line_total_minor BIGINT  NOT NULL
);
CREATE INDEX order_items_order ON order_items (order_id);

CREATE TABLE outbox (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id BIGINT  NOT NULL REFERENCES restaurants(id),
    order_id      BIGINT  NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    payload       TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    published_at  BIGINT
);
CREATE INDEX outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL;
