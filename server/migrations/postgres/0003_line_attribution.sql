-- Who put each ordered line in the table's shared cart: the diner's
-- client_id and their nickname at that moment. NULL for the table's own
-- lines (ordered without the cart).

ALTER TABLE order_items ADD COLUMN added_by_client TEXT;
ALTER TABLE order_items ADD COLUMN added_by_name TEXT;
