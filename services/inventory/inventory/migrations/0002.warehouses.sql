-- depends: 0001.stock
-- Stock per product and warehouse, allocations with each reservation, and holds (reservations that no
-- order owns until one claims them). An existing database upgrades in place: its stock moves into the
-- default warehouse `main`, and every row of the ledger and of the reservations is `main`'s.
--
-- The product row keeps the totals over its warehouses (maintained in the same statement as the
-- warehouse rows) and its version, which orders the cache's writes; every writer locks the product row
-- before it touches any of its warehouse rows, so the product lock is the one lock of a stock change.

CREATE TABLE warehouses (
    warehouse_id text PRIMARY KEY CHECK (warehouse_id ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    name         text NOT NULL,
    priority     integer NOT NULL,  -- allocation prefers the lowest, then the id
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO warehouses (warehouse_id, name, priority) VALUES ('main', 'Main warehouse', 100);

CREATE TABLE stock (
    product_id      uuid NOT NULL REFERENCES products (product_id),
    warehouse_id    text NOT NULL REFERENCES warehouses (warehouse_id),
    on_hand         bigint NOT NULL CHECK (on_hand >= 0),
    reserved        bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    received_total  bigint NOT NULL DEFAULT 0,  -- receipts, adjustments, counts and transfers, signed
    committed_total bigint NOT NULL DEFAULT 0 CHECK (committed_total >= 0),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, warehouse_id),
    CONSTRAINT stock_available_not_negative CHECK (reserved <= on_hand),
    CONSTRAINT stock_on_hand_balances CHECK (on_hand = received_total - committed_total)
);
INSERT INTO stock (product_id, warehouse_id, on_hand, reserved, received_total, committed_total)
SELECT product_id, 'main', on_hand, reserved, received_total, committed_total FROM products;

-- the ledger: every row names its warehouse; new kinds for cycle counts and transfers
ALTER TABLE movements ADD COLUMN warehouse_id text NOT NULL DEFAULT 'main' REFERENCES warehouses (warehouse_id);
ALTER TABLE movements ALTER COLUMN warehouse_id DROP DEFAULT;
ALTER TABLE movements ADD COLUMN reference text;  -- a transfer's id, a point-of-sale commit's reference
ALTER TABLE movements DROP CONSTRAINT movements_kind_check;
ALTER TABLE movements ADD CONSTRAINT movements_kind_check CHECK (
    kind IN ('receive', 'adjust', 'count', 'transfer_in', 'transfer_out', 'reserve', 'release', 'commit', 'expire')
);
CREATE INDEX movements_by_warehouse ON movements (product_id, warehouse_id);

-- reservations: a hold has no order until one claims it (then it is that order's reservation)
ALTER TABLE reservations ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE reservations ADD COLUMN origin text NOT NULL DEFAULT 'order' CHECK (origin IN ('order', 'hold'));
ALTER TABLE reservations ADD COLUMN claimed_at timestamptz;
ALTER TABLE reservations ADD COLUMN reference text;  -- POST /holds/{id}/commit's reference
ALTER TABLE reservations ADD CONSTRAINT reservation_of_an_order CHECK (origin = 'hold' OR order_id IS NOT NULL);

-- each line of a reservation is taken from one warehouse: a product may be split over several
ALTER TABLE reservation_items ADD COLUMN warehouse_id text NOT NULL DEFAULT 'main';
ALTER TABLE reservation_items ALTER COLUMN warehouse_id DROP DEFAULT;
ALTER TABLE reservation_items DROP CONSTRAINT reservation_items_pkey;
ALTER TABLE reservation_items ADD PRIMARY KEY (reservation_id, product_id, warehouse_id);
ALTER TABLE reservation_items ADD FOREIGN KEY (product_id, warehouse_id) REFERENCES stock (product_id, warehouse_id);
