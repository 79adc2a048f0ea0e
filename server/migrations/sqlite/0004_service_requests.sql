-- Service requests from the diners' page (call staff, water, the bill),
-- which the restaurant offers (service_kinds, a JSON array of kinds).

ALTER TABLE restaurants ADD COLUMN service_kinds TEXT NOT NULL DEFAULT '["call_staff","water","bill"]';

CREATE TABLE service_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id INTEGER NOT NULL REFERENCES restaurants(id),
    table_id      INTEGER NOT NULL REFERENCES dining_tables(id) ON DELETE CASCADE,
    visit_id      INTEGER NOT NULL REFERENCES table_visits(id) ON DELETE CASCADE,
    table_name    TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('call_staff', 'water', 'bill')),
    state         TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acked', 'done')),
    created_at    INTEGER NOT NULL,
    acked_at      INTEGER,
    acked_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    done_at       INTEGER,
    done_by       INTEGER REFERENCES users(id) ON DELETE SET NULL
);
-- At most one request of a kind not done per visit: asking again while one
-- is open finds it (two taps at once make one request).
CREATE UNIQUE INDEX service_requests_one_open ON service_requests (visit_id, kind) WHERE state <> 'done';
CREATE INDEX service_requests_restaurant ON service_requests (restaurant_id, state);
