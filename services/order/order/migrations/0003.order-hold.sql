-- depends: 0002.order-shipments
-- The checkout hold an order claims (POST /orders' optional hold_id, carried in order.created);
-- NULL for an order placed without one, and for every order from before.

ALTER TABLE orders ADD COLUMN hold_id uuid;
