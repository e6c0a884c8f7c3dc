-- The transactional outbox and the consumer inbox, shared by every service database.

CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    event_id    uuid NOT NULL UNIQUE,
    order_id    uuid NOT NULL,
    exchange    text NOT NULL,
    routing_key text NOT NULL,
    body        bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

CREATE TABLE idempotency_keys (
    event_id    uuid PRIMARY KEY,
    queue       text NOT NULL,
    event_type  text NOT NULL,
    order_id    uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
