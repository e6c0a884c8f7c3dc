-- depends: 0003.idempotency 0004.hold-owners
-- Inventory owns the prices: a product's price per unit (PUT /inventory/{id} sets it; every change is
-- an inventory.price_changed in the outbox, with the product row's version after it). NULL: not for
-- sale until priced, as every product from before is.

ALTER TABLE products ADD COLUMN price numeric(14, 2) CHECK (price > 0);
