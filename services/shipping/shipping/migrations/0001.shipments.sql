-- Shipments: one row per order. CANCELLED without a tracking code is a tombstone: the reservation was
-- released before we scheduled, so a late inventory.reserved must not ship.

CREATE TABLE shipments (
    shipment_id        uuid PRIMARY KEY,
    order_id           uuid NOT NULL UNIQUE,
    reservation_id     uuid,
    status             text NOT NULL CHECK (status IN ('SCHEDULED', 'FAILED', 'CANCELLED')),
    tracking_code      text UNIQUE,
    units              integer,
    freight_cost       numeric(14, 2),
    estimated_delivery date,
    reason             text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
