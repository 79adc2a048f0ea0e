-- Orders: table visits, orders with their item snapshots, the daily order
-- number counter, and the transactional outbox to the kitchen stream.

ALTER TABLE restaurants ADD COLUMN tax_rate_bp INTEGER NOT NULL DEFAULT 0
    CHECK (tax_rate_bp >= 0 AND tax_rate_bp <= 10000);
ALTER TABLE restaurants ADD COLUMN tax_included INTEGER NOT NULL DEFAULT 1
    CHECK (tax_included IN (0, 1));

CREATE TABLE table_visits (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id INTEGER NOT NULL REFERENCES restaurants(id),
    table_id      INTEGER NOT NULL REFERENCES dining_tables(id),
    opened_at     INTEGER NOT NULL,
    closed_at     INTEGER,
    paid          INTEGER NOT NULL DEFAULT 0 CHECK (paid IN (0, 1))
);
-- At most one open visit per table.
CREATE UNIQUE INDEX table_visits_open ON table_visits (table_id) WHERE closed_at IS NULL;

CREATE TABLE order_numbers (
    restaurant_id INTEGER NOT NULL REFERENCES restaurants(id),
    business_day  TEXT    NOT NULL,
    last_number   INTEGER NOT NULL,
    PRIMARY KEY (restaurant_id, business_day)
);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id   INTEGER NOT NULL REFERENCES restaurants(id),
    table_id        INTEGER NOT NULL REFERENCES dining_tables(id),
    visit_id        INTEGER NOT NULL REFERENCES table_visits(id),
    table_name      TEXT    NOT NULL,
    business_day    TEXT    NOT NULL,
    number          INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'placed'
        CHECK (status IN ('placed', 'accepted', 'preparing', 'ready', 'served', 'cancelled')),
    idempotency_key TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    subtotal_minor  INTEGER NOT NULL,
    tax_minor       INTEGER NOT NULL,
    total_minor     INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    accepted_at     INTEGER,
    preparing_at    INTEGER,
    ready_at        INTEGER,
    served_at       INTEGER,
    cancelled_at    INTEGER,
    UNIQUE (table_id, idempotency_key),
    UNIQUE (restaurant_id, business_day, number)
);
CREATE INDEX orders_restaurant_created ON orders (restaurant_id, created_at);
CREATE INDEX orders_visit ON orders (visit_id);

CREATE TABLE order_items (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id         INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    menu_item_id     INTEGER NOT NULL,
    names            TEXT    NOT NULL,
    qty              INTEGER NOT NULL CHECK (qty > 0),
    unit_price_minor INTEGER NOT NULL,
    options          TEXT    NOT NULL DEFAULT '[]',
    note             TEXT,
    station          TEXT    NOT NULL,
    line_total_minor INTEGER NOT NULL
);
CREATE INDEX order_items_order ON order_items (order_id);

CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id INTEGER NOT NULL REFERENCES restaurants(id),
    order_id      INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    payload       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    published_at  INTEGER
);
CREATE INDEX outbox_unpublished ON outbox (created_at) WHERE published_at IS NULL;
