-- Known devices: a token given at each successful login, shown at the
-- next from the same browser, that gives its login attempts a budget of
-- their own (stored as SHA-256, like sessions).
CREATE TABLE known_devices (
    token_hash    TEXT    PRIMARY KEY,
    user_id       BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id, created_at);

-- An email is unique within a restaurant, not across them: adding an
-- account must not tell one restaurant that another has that email.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;
CREATE UNIQUE INDEX users_restaurant_email ON users (restaurant_id, email);
CREATE INDEX users_email ON users (email);
