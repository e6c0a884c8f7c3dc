-- depends: 0001.shipments
-- One row per shipment: an order served from several warehouses gets one shipment from each, with its
-- own tracking code and freight. A row with a warehouse is a parcel (scheduled, later perhaps
-- cancelled); a row without one is the order's outcome as a whole: FAILED (the carrier refused the
-- order) or a CANCELLED tombstone (released before we scheduled). shipment_no counts an order's rows
-- from 1 in the allocations' order, and a refusal or tombstone is its order's only row: so two
-- decisions for one order can never both be written (both would hold shipment_no 1), as the UNIQUE on
-- order_id guaranteed before.
-- Rows from before were all one per order: a shipment with a tracking code came from 'main'; a
-- refusal or tombstone has no warehouse.

ALTER TABLE shipments ADD COLUMN warehouse_id text;
ALTER TABLE shipments ADD COLUMN shipment_no integer NOT NULL DEFAULT 1;
ALTER TABLE shipments ALTER COLUMN shipment_no DROP DEFAULT;
UPDATE shipments SET warehouse_id = 'main' WHERE tracking_code IS NOT NULL;

ALTER TABLE shipments DROP CONSTRAINT shipments_order_id_key;
ALTER TABLE shipments ADD CONSTRAINT shipments_one_per_warehouse UNIQUE (order_id, warehouse_id);
ALTER TABLE shipments ADD CONSTRAINT shipments_numbered UNIQUE (order_id, shipment_no);
ALTER TABLE shipments ADD CONSTRAINT shipments_parcel_has_warehouse_and_code
    CHECK ((warehouse_id IS NULL) = (tracking_code IS NULL));
ALTER TABLE shipments ADD CONSTRAINT shipments_order_outcome_alone
    CHECK (warehouse_id IS NOT NULL OR shipment_no = 1);
