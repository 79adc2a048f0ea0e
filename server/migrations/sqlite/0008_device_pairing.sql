-- Kitchen displays pair with a one-time code: an owner asks for a code
-- (stored only as its SHA-256), the display sends it back once within ten
-- minutes and becomes a device. With REDIS_DEVICE_ACL each device has its
-- own Redis ACL user; its password is kept only as the SHA-256 Redis' own
-- ACL takes (`#<hash>`), so the server can recreate the user after a
-- Redis restart without knowing the password.

CREATE TABLE device_pairing_codes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    restaurant_id INTEGER NOT NULL REFERENCES restaurants(id),
    name          TEXT    NOT NULL,
    station       TEXT    NOT NULL,
    code_hash     TEXT    NOT NULL UNIQUE,
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER,
    device_id     INTEGER REFERENCES devices(id)
);
CREATE INDEX device_pairing_codes_open ON device_pairing_codes (expires_at) WHERE used_at IS NULL;

ALTER TABLE devices ADD COLUMN redis_password_hash TEXT;
