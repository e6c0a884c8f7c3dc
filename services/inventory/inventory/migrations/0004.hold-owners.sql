-- depends: 0002.warehouses
-- Whose hold it is: the customer id of the token that created it (POST /holds). Only that customer (or a
-- hold admin) may read, release or sell it, and only an order of that customer may claim it.
-- Holds made before this migration keep owner NULL: no token can show it is theirs, so only a hold admin
-- reaches them through the API, and any order may still claim one, as before (a hold lasts at most
-- HOLD_MAX_TTL, so these are gone within a day). An order's reservation has no owner.

ALTER TABLE reservations ADD COLUMN owner uuid;
ALTER TABLE reservations ADD CONSTRAINT owner_of_a_hold CHECK (origin = 'hold' OR owner IS NULL);
