-- Payments: at most one per order. The gateway tables stand for the outside provider's ledger.

CREATE TABLE payments (
    payment_id  uuid PRIMARY KEY,
    order_id    uuid NOT NULL UNIQUE,
    amount      numeric(14, 2) NOT NULL CHECK (amount >= 0),
    status      text NOT NULL CHECK (status IN ('APPROVED', 'DECLINED', 'REVERSED')),
    reason      text,
    charge_id   uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    reversed_at timestamptz
);

CREATE TABLE gateway_charges (
    charge_id   uuid PRIMARY KEY,
    order_id    uuid NOT NULL UNIQUE,  -- the idempotency key the gateway dedups on
    amount      numeric(14, 2) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE gateway_refunds (
    refund_id   uuid PRIMARY KEY,
    order_id    uuid NOT NULL UNIQUE,
    charge_id   uuid NOT NULL REFERENCES gateway_charges (charge_id),
    amount      numeric(14, 2) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
