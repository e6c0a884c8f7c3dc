"""The inbox claim that rides in the BEGIN's round trip: which events of a batch are fresh, exactly,
whether all, none or some of them were seen before."""

from uuid import uuid4

import asyncpg
import pytest

from messaging import inbox
from messaging.unit_of_work import UnitOfWork


def _keys(n: int) -> list[inbox.Key]:
    return [
        inbox.Key(uuid4(), "shipping.inventory-reserved", "inventory.reserved", uuid4()) for _ in range(n)
    ]


async def _claim(pool, keys: list[inbox.Key]) -> set:
    async with UnitOfWork(pool, begin_with=inbox.claim(keys)) as uow:
        fresh = await inbox.claimed(uow, keys)
        await uow.commit()
    return fresh


async def _stored(pool, keys: list[inbox.Key]) -> int:
    return await pool.fetchval(
        "SELECT count(*) FROM idempotency_keys WHERE event_id = ANY($1::uuid[])", [k.event_id for k in keys]
    )


async def test_a_new_batch_is_all_fresh_and_its_redelivery_is_none(pool):
    keys = _keys(3)
    assert await _claim(pool, keys) == {k.event_id for k in keys}
    assert await _claim(pool, keys) == set()
    assert await _stored(pool, keys) == 3


async def test_a_partly_redelivered_batch_gives_exactly_the_new_ones(pool):
    seen, new = _keys(2), _keys(3)
    await _claim(pool, seen)
    mixed = [new[0], seen[0], new[1], seen[1], new[2]]
    assert await _claim(pool, mixed) == {k.event_id for k in new}
    assert await _stored(pool, mixed) == 5


async def test_the_claim_is_in_the_transaction_it_began(pool):
    keys = _keys(2)
    async with UnitOfWork(pool, begin_with=inbox.claim(keys)) as uow:
        assert await inbox.claimed(uow, keys) == {k.event_id for k in keys}
    # left without commit: rolled back, so the events are still to be applied
    assert await _stored(pool, keys) == 0
    assert await _claim(pool, keys) == {k.event_id for k in keys}


async def test_a_claim_that_fails_rolls_back_and_returns_the_connection(pool):
    bad = inbox.claim(_keys(1)).replace("idempotency_keys", "no_such_table")
    for _ in range(pool.get_max_size() + 1):  # a leaked connection would exhaust the pool
        with pytest.raises(asyncpg.UndefinedTableError, match="no_such_table"):
            async with UnitOfWork(pool, begin_with=bad):
                pass
    assert await pool.fetchval("SELECT 1") == 1
