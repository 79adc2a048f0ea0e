-- Order rate limits per restaurant (issue 17, finding 2): token buckets
-- per table visit and per client address (see shared::admin::OrderLimits).

ALTER TABLE restaurants ADD COLUMN order_visit_burst BIGINT NOT NULL DEFAULT 10
    CHECK (order_visit_burst BETWEEN 1 AND 10000);
ALTER TABLE restaurants ADD COLUMN order_visit_per_minute BIGINT NOT NULL DEFAULT 4
    CHECK (order_visit_per_minute BETWEEN 1 AND 10000);
ALTER TABLE restaurants ADD COLUMN order_client_burst BIGINT NOT NULL DEFAULT 60
    CHECK (order_client_burst BETWEEN 1 AND 10000);
ALTER TABLE restaurants ADD COLUMN order_client_per_minute BIGINT NOT NULL DEFAULT 30
    CHECK (order_client_per_minute BETWEEN 1 AND 10000);
