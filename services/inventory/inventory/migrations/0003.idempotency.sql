-- depends: 0001.stock
-- The Idempotency-Key claims of the HTTP writes (servicekit/idempotency.py). A row is inserted in the
-- write's own transaction and its answer set before the COMMIT, so a committed row always holds one; a
-- write rolled back leaves no row. Depends on 0001 only: other files may come between in name order.

CREATE TABLE idempotent_writes (
    scope        text NOT NULL,        -- whose keys: the authenticated subject, '' until there is one
    operation    text NOT NULL,        -- the method and the path as requested: 'PUT /inventory/<id>'
    key          text NOT NULL,        -- the Idempotency-Key header
    request_hash bytea NOT NULL,       -- sha256 of the query and the body
    status       smallint,             -- the answer: NULL only while the claim is in flight
    headers      jsonb,                -- [[name, value], ...] as first sent
    body         json,                 -- byte for byte as first sent (json, not jsonb, keeps it so)
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, operation, key)
);
-- nothing prunes the claims yet; this is what a pruner would scan, oldest first
CREATE INDEX idempotent_writes_created_at ON idempotent_writes (created_at);
