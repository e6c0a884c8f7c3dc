-- Stock, reservations and the movements ledger. The database, not only the code, keeps stock sane:
-- available = on_hand - reserved never goes below zero, and on_hand = received - committed.

CREATE TABLE products (
    product_id      uuid PRIMARY KEY,
    name            text NOT NULL,
    on_hand         bigint NOT NULL CHECK (on_hand >= 0),
    reserved        bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    received_total  bigint NOT NULL DEFAULT 0,  -- receipts and adjustments, signed
    committed_total bigint NOT NULL DEFAULT 0 CHECK (committed_total >= 0),
    version         bigint NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT available_not_negative CHECK (reserved <= on_hand),
    CONSTRAINT on_hand_balances CHECK (on_hand = received_total - committed_total)
);

CREATE TABLE reservations (
    reservation_id uuid PRIMARY KEY,
    order_id       uuid NOT NULL UNIQUE,
    status         text NOT NULL CHECK (status IN ('ACTIVE', 'COMMITTED', 'RELEASED', 'EXPIRED')),
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz
);
CREATE INDEX reservations_due ON reservations (expires_at) WHERE status = 'ACTIVE';

CREATE TABLE reservation_items (
    reservation_id uuid NOT NULL REFERENCES reservations (reservation_id),
    product_id     uuid NOT NULL REFERENCES products (product_id),
    quantity       bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, product_id)
);

CREATE TABLE movements (
    id             bigserial PRIMARY KEY,
    product_id     uuid NOT NULL REFERENCES products (product_id),
    kind           text NOT NULL CHECK (kind IN ('receive', 'adjust', 'reserve', 'release', 'commit', 'expire')),
    quantity       bigint NOT NULL,
    order_id       uuid,
    reservation_id uuid,
    reason         text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX movements_by_product ON movements (product_id, id);
