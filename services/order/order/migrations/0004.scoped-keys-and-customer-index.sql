-- depends: 0003.order-hold
-- Authentication (issue 16): an Idempotency-Key is claimed per subject (the token's `sub`), so one
-- client can neither squat nor probe another's keys; keys claimed before keep scope ''. And a
-- customer's own orders, newest first, are read by GET /orders without a scan of everyone's.
-- An order service of the release before this one cannot place an order with a key against this
-- schema (its ON CONFLICT (key) has no constraint to match): stop it before migrating.

ALTER TABLE idempotency_requests ADD COLUMN scope text NOT NULL DEFAULT '';
ALTER TABLE idempotency_requests DROP CONSTRAINT idempotency_requests_pkey;
ALTER TABLE idempotency_requests ADD PRIMARY KEY (scope, key);

CREATE INDEX orders_by_customer ON orders (customer_id, created_at DESC, order_id DESC);
