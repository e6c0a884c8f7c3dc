-- Back to one Idempotency-Key namespace for everyone. Fails while two subjects hold the same key:
-- delete the younger claim of each such key first.
DROP INDEX orders_by_customer;
ALTER TABLE idempotency_requests DROP CONSTRAINT idempotency_requests_pkey;
ALTER TABLE idempotency_requests ADD PRIMARY KEY (key);
ALTER TABLE idempotency_requests DROP COLUMN scope;
