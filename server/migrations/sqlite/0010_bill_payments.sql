-- Payments taken on a table visit's bill, against one of its shares (or
-- the whole bill), and the lines staff assigned to shares (split=items).

CREATE TABLE bill_payments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id   INTEGER NOT NULL REFERENCES restaurants(id),
    table_id        INTEGER NOT NULL REFERENCES dining_tables(id) ON DELETE CASCADE,
    visit_id        INTEGER NOT NULL REFERENCES table_visits(id) ON DELETE CASCADE,
    -- A share's id (`diner:…`, `table`, `even:1/3`, `items:2`); NULL: the whole bill.
    share           TEXT,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    currency        TEXT   NOT NULL,
    method          TEXT   NOT NULL CHECK (method IN ('cash', 'card', 'other')),
    business_day    TEXT   NOT NULL,
    idempotency_key TEXT   NOT NULL,
    request_hash    TEXT   NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      INTEGER REFERENCES users(id) ON DELETE SET NULL
);
-- A retried payment (a double tap) finds the first one.
CREATE UNIQUE INDEX bill_payments_key ON bill_payments (table_id, idempotency_key);
CREATE INDEX bill_payments_visit ON bill_payments (visit_id);
CREATE INDEX bill_payments_day ON bill_payments (restaurant_id, business_day);

-- split=items: the shares of a visit as JSON [{name, line_ids}].
CREATE TABLE bill_item_shares (
    visit_id   INTEGER PRIMARY KEY REFERENCES table_visits(id) ON DELETE CASCADE,
    shares     TEXT   NOT NULL,
    updated_at INTEGER NOT NULL
);
