-- depends: messaging-0001.outbox-and-inbox
-- Outbox rows the broker refused (unroutable, nacked) wait for their next attempt, with a growing delay,
-- instead of being claimed again at every poll; their attempts and last error are kept for the operator.

ALTER TABLE outbox
    ADD COLUMN attempts        integer NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN last_error      text;

-- the poller's two claims: rows never refused, oldest first; refused rows whose next attempt is due. A row
-- is in at most one of them while unsent and in neither once sent, so an insert or a mark updates as
-- many indexes as before
CREATE INDEX outbox_fresh ON outbox (id) WHERE sent_at IS NULL AND next_attempt_at IS NULL;
CREATE INDEX outbox_retry ON outbox (next_attempt_at) WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL;
DROP INDEX outbox_unsent;
