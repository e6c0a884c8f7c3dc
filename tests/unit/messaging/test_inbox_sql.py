"""The inbox claim's SQL: keys in event id order (the batch's first lock order), values written out
safely, and the count PostgreSQL answers read back."""

from uuid import UUID

import pytest

from messaging import inbox, literals

A, B = UUID(int=1), UUID(int=2)
ORDER = UUID("00000000-0000-0000-0000-0000000000aa")


def test_keys_go_in_event_id_order():
    sql = inbox.claim([inbox.Key(B, "q", "t", ORDER), inbox.Key(A, "q", "t", ORDER)])
    assert sql.index(str(A)) < sql.index(str(B))
    assert sql.startswith("INSERT INTO idempotency_keys") and sql.endswith("ON CONFLICT DO NOTHING")


def test_only_a_uuid_becomes_a_uuid_literal():  # text literals: test_literals.py
    assert literals.uuid(A) == "'00000000-0000-0000-0000-000000000001'::uuid"
    with pytest.raises(ValueError):
        literals.uuid("x'; DROP TABLE outbox; --")  # type: ignore[arg-type]


def test_an_event_of_no_order_is_claimed_with_a_null_order_id():
    sql = inbox.claim([inbox.Key(B, "q", "t", None), inbox.Key(A, "q", "t", ORDER)])
    assert f"('{B}'::uuid, 'q', 't', NULL)" in sql and sql.index(str(A)) < sql.index(str(B))
