-- What a kitchen device last showed of itself: when it was last seen (its
-- kitchen socket opened or was checked, or it reported) and its printer.

ALTER TABLE devices ADD COLUMN last_seen_at BIGINT;
ALTER TABLE devices ADD COLUMN printer_state TEXT;
