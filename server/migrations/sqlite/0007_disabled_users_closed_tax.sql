-- An owner can switch an account off without deleting it (its name stays
-- on the orders it placed): a switched-off account cannot log in, its
-- sessions end, and it does not count as the restaurant's remaining owner.

ALTER TABLE users ADD COLUMN disabled_at BIGINT;

-- The tax a bill was closed with, so that later changes of the restaurant's
-- tax settings do not change past bills in the reports (NULL while open).
ALTER TABLE table_visits ADD COLUMN tax_rate_bp INTEGER;
ALTER TABLE table_visits ADD COLUMN tax_included INTEGER;
