"""The order service's copy of the prices on a real database: inventory.price_changed applied in the
consumer's unit of work keeps the newest version only (late, repeated, racing batches), and the price
check's one query says which prices are known and whether the catalogue is."""

import asyncio
from decimal import Decimal
from uuid import UUID, uuid4

import asyncpg

from messaging.unit_of_work import UnitOfWork
from order import handlers, prices
from tests.unit.samples import price_changed


async def apply(pool: asyncpg.Pool, *events) -> None:
    async with UnitOfWork(pool) as uow:
        await handlers.apply_events(list(events), uow)
        await uow.commit()


async def kept(pool: asyncpg.Pool) -> dict[UUID, tuple[str, int]]:
    rows = await pool.fetch("SELECT product_id, price, version FROM product_prices")
    return {r["product_id"]: (str(r["price"]), r["version"]) for r in rows}


async def test_the_newest_version_is_kept_and_an_older_one_never_brings_its_price_back(pool):
    a, b = uuid4(), uuid4()
    await apply(pool, price_changed("49.90", 5, a))
    await apply(pool, price_changed("39.90", 3, a), price_changed("5.00", 1, b))  # late for a, news for b
    await apply(pool, price_changed("59.90", 5, a))  # as old as the kept one
    assert await kept(pool) == {a: ("49.90", 5), b: ("5.00", 1)}
    await apply(pool, price_changed("29.90", 8, a), price_changed("19.90", 7, a))
    assert (await kept(pool))[a] == ("29.90", 8)


async def test_batches_racing_on_a_new_product_keep_the_newest(pool):
    """Two transactions insert the product's first price at once: the upsert keeps the newer whichever
    commits last (the row did not exist to be locked)."""
    a = uuid4()
    for _ in range(5):
        await asyncio.gather(*(apply(pool, price_changed(f"{v}.00", v, a)) for v in (3, 9, 6)))
        assert (await kept(pool))[a] == ("9.00", 9)
        await pool.execute("DELETE FROM product_prices")


async def test_the_check_query_gives_the_prices_and_whether_the_catalogue_is_known(pool):
    a, b = uuid4(), uuid4()
    async with pool.acquire() as conn:
        assert await prices.current(conn, [a, b]) == ({}, False)
        await apply(pool, price_changed("49.90", 2, a))
        assert await prices.current(conn, [a, b]) == ({a: Decimal("49.90")}, True)
        assert await prices.current(conn, [b]) == ({}, True)  # b unknown, the catalogue known


async def test_the_check_is_one_indexed_query(pool):
    await apply(pool, *(price_changed("1.00", 1, uuid4()) for _ in range(200)))
    ids = [r["product_id"] for r in await pool.fetch("SELECT product_id FROM product_prices LIMIT 3")]
    async with pool.acquire() as conn:
        await conn.execute("SET enable_seqscan = off")  # the table is small: ask whether an index can serve
        rows = await conn.fetch(
            "EXPLAIN (FORMAT TEXT) SELECT product_id, price FROM product_prices WHERE product_id = ANY($1::uuid[])",
            ids,
        )
    assert "product_prices_pkey" in "\n".join(r[0] for r in rows)
