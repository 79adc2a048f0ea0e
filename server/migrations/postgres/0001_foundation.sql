-- Foundation: restaurants, accounts, devices, menu and tables.
-- Flags are integers 0/1 and times are Unix milliseconds in both backends,
-- so the same queries run on SQLite and PostgreSQL.

CREATE TABLE restaurants (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    timezone        TEXT    NOT NULL,
    languages       TEXT    NOT NULL DEFAULT '["en"]',
    location_policy TEXT    NOT NULL DEFAULT 'network_and_gps'
        CHECK (location_policy IN ('network', 'gps', 'network_or_gps', 'network_and_gps')),
    network_cidrs   TEXT    NOT NULL DEFAULT '[]',
    trusted_proxies TEXT    NOT NULL DEFAULT '[]',
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    radius_m        BIGINT  CHECK (radius_m IS NULL OR radius_m > 0),
    created_at      BIGINT  NOT NULL
);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id BIGINT  NOT NULL REFERENCES restaurants(id),
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'staff')),
    created_at    BIGINT  NOT NULL
);

CREATE TABLE devices (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id BIGINT  NOT NULL REFERENCES restaurants(id),
    name          TEXT    NOT NULL,
    station       TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    revoked       BIGINT  NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    created_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    user_id       BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at    BIGINT  NOT NULL
);

CREATE TABLE categories (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id BIGINT  NOT NULL REFERENCES restaurants(id),
    names         TEXT    NOT NULL,
    sort          BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE menu_items (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id BIGINT  NOT NULL REFERENCES restaurants(id),
    category_id   BIGINT  NOT NULL REFERENCES categories(id),
    names         TEXT    NOT NULL,
    descriptions  TEXT    NOT NULL DEFAULT '{}',
    price_minor   BIGINT  NOT NULL CHECK (price_minor >= 0),
    image         TEXT,
    allergens     TEXT    NOT NULL DEFAULT '[]',
    option_groups TEXT    NOT NULL DEFAULT '[]',
    station       TEXT    NOT NULL DEFAULT 'kitchen',
    available     BIGINT  NOT NULL DEFAULT 1 CHECK (available IN (0, 1)),
    stock         BIGINT  CHECK (stock IS NULL OR stock >= 0),
    stock_version BIGINT  NOT NULL DEFAULT 0,
    version       BIGINT  NOT NULL DEFAULT 1,
    sort          BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX menu_items_restaurant ON menu_items (restaurant_id, category_id);

CREATE TABLE dining_tables (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id    BIGINT  NOT NULL REFERENCES restaurants(id),
    name             TEXT    NOT NULL,
    token            TEXT    NOT NULL UNIQUE,
    token_rotated_at BIGINT  NOT NULL,
    active           BIGINT  NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at       BIGINT  NOT NULL,
    UNIQUE (restaurant_id, name)
);
