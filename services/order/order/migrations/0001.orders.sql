-- Orders, their items, their whole history (every event received, applied or not) and the
-- Idempotency-Key table of POST /orders.

CREATE TABLE orders (
    order_id       uuid PRIMARY KEY,
    customer_id    uuid NOT NULL,
    payment_method text NOT NULL,
    total_amount   numeric(16, 2) NOT NULL,
    status         text NOT NULL,
    tracking_code  text,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX orders_newest ON orders (created_at DESC, order_id DESC);
CREATE INDEX orders_by_status ON orders (status, created_at DESC, order_id DESC);

CREATE TABLE order_items (
    order_id   uuid NOT NULL REFERENCES orders (order_id),
    line_no    integer NOT NULL,
    product_id uuid NOT NULL,
    quantity   integer NOT NULL CHECK (quantity > 0),
    unit_price numeric(14, 2) NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE order_history (
    id         bigserial PRIMARY KEY,
    order_id   uuid NOT NULL REFERENCES orders (order_id),
    status     text,              -- the status the order moved to; NULL when the event changed none
    event_type text NOT NULL,
    event_id   uuid,
    applied    boolean NOT NULL,
    note       text,
    at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_history_by_order ON order_history (order_id, id);

CREATE TABLE idempotency_requests (
    key          text PRIMARY KEY,
    request_hash text NOT NULL,
    order_id     uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
