-- depends: messaging-0002.outbox-retries
-- An event may belong to no order (inventory.price_changed): its outbox row and its inbox key carry no
-- order id. Every saga event still carries one.

ALTER TABLE outbox ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE idempotency_keys ALTER COLUMN order_id DROP NOT NULL;
