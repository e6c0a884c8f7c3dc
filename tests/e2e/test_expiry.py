"""Reservation expiry end to end: a reservation nobody confirms in time gives its stock back and the
order is refunded and cancelled; a confirmation that arrives late changes nothing; and when expiry and
confirmation meet, exactly one of them happens, every time."""

from pathlib import Path
from uuid import UUID

import asyncpg
import pytest

from checker.quiet import wait_quiet
from stack.supervisor import Stack
from stack.wait import eventually
from tests.support.checks import assert_clean
from tests.support.client import Api
from tests.support.ledgers import Money, money_of, shipment_status
from tests.support.stock import PRICE, new_product, stock_view

pytestmark = pytest.mark.e2e
REVERSED_ONCE = Money("REVERSED", charges=1, refunds=1)


async def _inventory(stack: Stack, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(stack.database_url("inventory"), timeout=10)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def settlements(stack: Stack, order_id: UUID) -> list[str]:
    """The ledger's movements for the order's reservation, in order (reserve, then commit or expire)."""
    rows = await _inventory(stack, "SELECT kind FROM movements WHERE order_id = $1 ORDER BY id", order_id)
    return [r["kind"] for r in rows]


async def reservation_status(stack: Stack, order_id: UUID) -> str | None:
    rows = await _inventory(stack, "SELECT status FROM reservations WHERE order_id = $1", order_id)
    return rows[0]["status"] if rows else None


async def stock(api: Api, product: UUID) -> dict:
    async with api.http.get(f"{api.inventory_url}/inventory/{product}") as r:
        assert r.status == 200
        return await r.json()


async def test_an_unconfirmed_reservation_expires_and_a_late_shipping_event_changes_nothing(make_stack, http):
    stack = await make_stack(env={"RESERVATION_TTL": "2s", "RESERVATION_SWEEP_INTERVAL": "100ms"})
    api = Api(http, stack.url("order"), stack.url("inventory"))
    await stack.stop("shipping")
    product = await new_product(stack, 10)
    order_id = await api.place([(product, 3, "10.00")])
    order = await api.terminal(order_id, timeout=30)

    assert order["status"] == "CANCELLED"
    assert "inventory.released" in [h["event_type"] for h in order["history"]]
    assert (await money_of(stack, [order_id]))[order_id] == REVERSED_ONCE
    assert (await stock(api, product))["available"] == 10
    assert await settlements(stack, order_id) == ["reserve", "expire"]

    await stack.start("shipping")  # it now finds inventory.reserved (stale) and inventory.released waiting
    await assert_clean(stack)
    assert await shipment_status(stack, order_id) == "CANCELLED"
    assert (await api.order(order_id))["status"] == "CANCELLED"
    assert (await money_of(stack, [order_id]))[order_id] == REVERSED_ONCE
    assert await stock(api, product) == stock_view(product, 10, price=PRICE)
    assert await settlements(stack, order_id) == ["reserve", "expire"]


class Barriers:
    """The fault points' files: `<point>.waiting` appears when a process is held, `.release` lets it go."""

    POINTS = ("inventory.commit_locked", "inventory.expire_claimed", "shipping.before_commit")

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    def reset(self) -> None:  # only once the system is quiet: nobody is between .waiting and .release
        for f in self.dir.glob("*"):
            f.unlink()

    async def held(self, point: str) -> None:
        await eventually(lambda: (self.dir / f"{point}.waiting").exists(), 30, 0.01, f"{point} reached")

    def release(self, *points: str) -> None:
        for point in points or self.POINTS:
            (self.dir / f"{point}.release").touch()


async def _due(stack: Stack, order_id: UUID) -> bool:
    rows = await _inventory(
        stack, "SELECT expires_at <= clock_timestamp() AS due FROM reservations WHERE order_id = $1", order_id
    )
    return bool(rows and rows[0]["due"])


async def _commit_waits_on_the_lock(stack: Stack) -> bool:
    rows = await _inventory(
        stack,
        "SELECT count(*) AS n FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    return rows[0]["n"] > 0


async def commit_holds_the_lock_until_due(stack: Stack, api: Api, b: Barriers, order_id: UUID) -> str:
    """shipping.scheduled locks the reservation in time, but it comes due before the handler decides:
    the handler itself expires it (the sweeper skips the locked row)."""
    b.release("shipping.before_commit")
    await b.held("inventory.commit_locked")
    await eventually(lambda: _due(stack, order_id), 30, 0.02, "reservation due")
    b.release("inventory.commit_locked")
    return "EXPIRED"


async def sweeper_holds_the_claim_while_the_commit_arrives(
    stack: Stack, api: Api, b: Barriers, order_id: UUID
) -> str:
    """The sweeper claims the due reservation first; the late shipping.scheduled waits on its row lock,
    then finds it expired and changes nothing."""
    await b.held("shipping.before_commit")
    await b.held("inventory.expire_claimed")
    b.release("shipping.before_commit")
    await eventually(lambda: _commit_waits_on_the_lock(stack), 30, 0.02, "commit waiting on the row lock")
    b.release("inventory.expire_claimed")
    return "EXPIRED"


async def commit_in_time(stack: Stack, api: Api, b: Barriers, order_id: UUID) -> str:
    """shipping.scheduled is decided before the deadline: committed; the sweeper never touches it."""
    b.release("shipping.before_commit")
    await b.held("inventory.commit_locked")
    assert not await _due(stack, order_id)
    b.release("inventory.commit_locked")
    return "COMMITTED"


SCENARIOS = (
    commit_holds_the_lock_until_due,
    sweeper_holds_the_claim_while_the_commit_arrives,
    commit_in_time,
)


async def test_expiry_and_a_late_confirmation_racing_end_with_exactly_one_outcome_every_time(
    make_stack, http, tmp_path: Path
):
    barriers = Barriers(tmp_path)
    stack = await make_stack(
        env={
            "RESERVATION_TTL": "1500ms",
            "RESERVATION_SWEEP_INTERVAL": "50ms",
            "FAULT_POINTS": ",".join(f"{p}=wait" for p in Barriers.POINTS),
            "FAULT_BARRIER_DIR": str(tmp_path),
        }
    )
    api = Api(http, stack.url("order"), stack.url("inventory"))
    product = await new_product(stack, 100)
    committed = 0
    for round_ in range(9):
        scenario = SCENARIOS[round_ % len(SCENARIOS)]
        barriers.reset()
        order_id = await api.place([(product, 2, PRICE)])
        expected = await scenario(stack, api, barriers, order_id)
        barriers.release()
        order = await api.terminal(order_id, timeout=30)
        await wait_quiet(stack.targets, 60)
        where = f"round {round_} ({scenario.__name__})"
        assert await reservation_status(stack, order_id) == expected, where
        if expected == "COMMITTED":
            committed += 2
            assert order["status"] == "CONFIRMED", where
            assert await settlements(stack, order_id) == ["reserve", "commit"], where
            assert await shipment_status(stack, order_id) == "SCHEDULED", where
            assert (await money_of(stack, [order_id]))[order_id] == Money("APPROVED", charges=1, refunds=0)
        else:
            assert order["status"] == "CANCELLED", where
            assert await settlements(stack, order_id) == ["reserve", "expire"], where
            assert await shipment_status(stack, order_id) == "CANCELLED", where
            assert (await money_of(stack, [order_id]))[order_id] == REVERSED_ONCE, where
        assert await stock(api, product) == stock_view(product, 100 - committed, price=PRICE), where
    barriers.release()
    await assert_clean(stack)
