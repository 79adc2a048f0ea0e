-- Foundation: restaurants, accounts, devices, menu and tables.
-- Flags are integers 0/1 and times are Unix milliseconds in both backends,
-- so the same queries run on SQLite and PostgreSQL.

CREATE TABLE restaurants (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    timezone        TEXT    NOT NULL,
    languages       TEXT    NOT NULL DEFAULT '["en"]',
    location_policy TEXT    NOT NULL DEFAULT 'network_and_gps'
        CHECK (location_policy IN ('network', 'gps', 'network_or_gps', 'network_and_gps')),
    network_cidrs   TEXT    NOT NULL DEFAULT '[]',
    trusted_proxies TEXT    NOT NULL DEFAULT '[]',
    lat             REAL,
    lon             REAL,
    radius_m        INTEGER CHECK (radius_m IS NULL OR radius_m > 0),
    created_at      INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id INTEGER NOT NULL REFERENCES restaurants(id),
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'staff')),
    created_at    INTEGER NOT NULL
);

CREATE TABLE devices (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id INTEGER NOT NULL REFERENCES restaurants(id),
    name          TEXT    NOT NULL,
    station       TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    revoked       INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at    INTEGER NOT NULL
);

CREATE TABLE categories (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id INTEGER NOT NULL REFERENCES restaurants(id),
    names         TEXT    NOT NULL,
    sort          INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE menu_items (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id INTEGER NOT NULL REFERENCES restaurants(id),
    category_id   INTEGER NOT NULL REFERENCES categories(id),
    names         TEXT    NOT NULL,
    descriptions  TEXT    NOT NULL DEFAULT '{}',
    price_minor   INTEGER NOT NULL CHECK (price_minor >= 0),
    image         TEXT,
    allergens     TEXT    NOT NULL DEFAULT '[]',
    option_groups TEXT    NOT NULL DEFAULT '[]',
    station       TEXT    NOT NULL DEFAULT 'kitchen',
    available     INTEGER NOT NULL DEFAULT 1 CHECK (available IN (0, 1)),
    stock         INTEGER CHECK (stock IS NULL OR stock >= 0),
    stock_version INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    sort          INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX menu_items_restaurant ON menu_items (restaurant_id, category_id);

CREATE TABLE dining_tables (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id    INTEGER NOT NULL REFERENCES restaurants(id),
    name             TEXT    NOT NULL,
    token            TEXT    NOT NULL UNIQUE,
    token_rotated_at INTEGER NOT NULL,
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at       INTEGER NOT NULL,
    UNIQUE (restaurant_id, name)
);
