-- depends: 0001.orders
-- An order's shipments, one per warehouse that ships part of it, as shipping.scheduled announced them
-- (version 1 announces one, warehouse unknown: NULL). A table rather than a jsonb column on orders:
-- typed money and dates, one shipment id and tracking code per row, and the orders row, updated by
-- every saga event, stays narrow. Orders from before have none recorded: their tracking code stays.

CREATE TABLE order_shipments (
    order_id           uuid NOT NULL REFERENCES orders (order_id),
    shipment_no        integer NOT NULL,       -- 1, 2, ...: the order shipping.scheduled listed them in
    shipment_id        uuid NOT NULL UNIQUE,
    warehouse_id       text,
    tracking_code      text NOT NULL,
    freight_cost       numeric(14, 2) NOT NULL,
    estimated_delivery date NOT NULL,
    PRIMARY KEY (order_id, shipment_no)
);
