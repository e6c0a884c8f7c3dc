-- The test service's only state: one row per effect a handler had. No unique constraint on purpose,
-- so "one effect per event" is proven by the inbox, not by this table.

CREATE TABLE effects (
    id         bigserial PRIMARY KEY,
    event_id   uuid NOT NULL,
    order_id   uuid NOT NULL,
    event_type text NOT NULL
);
