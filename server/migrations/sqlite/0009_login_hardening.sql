-- no-transaction
-- (SQLite cannot drop a column's UNIQUE: the users table is built again,
-- with foreign keys off so that sessions and service requests keep theirs —
-- SQLite's documented way, which needs the pragma outside a transaction.)

-- Known devices: a token given at each successful login, shown at the
-- next from the same browser, that gives its login attempts a budget of
-- their own (stored as SHA-256, like sessions).
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE known_devices (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id, created_at);

-- An email is unique within a restaurant, not across them: adding an
-- account must not tell one restaurant that another has that email.
CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id INTEGER NOT NULL REFERENCES restaurants(id),
    email         TEXT    NOT NULL,
    name          TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'staff')),
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER
);
INSERT INTO users_new (id, restaurant_id, email, name, password_hash, role, created_at, disabled_at)
    SELECT id, restaurant_id, email, name, password_hash, role, created_at, disabled_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE UNIQUE INDEX users_restaurant_email ON users (restaurant_id, email);
CREATE INDEX users_email ON users (email);

COMMIT;
PRAGMA foreign_keys = ON;
