"""Inventory service: reserves, commits, releases and expires stock; the stock admin API."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

from aiohttp import web

from inventory.expiry import run_sweeper
from inventory.handlers import commit_reservation, release_reservation, reserve_stock
from inventory.settings import InventorySettings
from runtime.service import POOL, RELAY, SETTINGS, ServiceSpec, run


def handlers(app: web.Application) -> dict:
    return {
        "payment.approved": partial(reserve_stock, settings=app[SETTINGS]),
        "shipping.scheduled": commit_reservation,
        "shipping.failed": release_reservation,
    }


async def sweeper(app: web.Application) -> AsyncIterator[None]:
    s = app[SETTINGS]
    task = asyncio.create_task(run_sweeper(
        app[POOL], s.reservation_sweep_interval.total_seconds(), s.sweep_batch_size, app[RELAY].wake
    ))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(sweeper)


SPEC = ServiceSpec(
    name="inventory",
    settings_cls=InventorySettings,
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    setup=setup,
)


def main() -> None:
    run(SPEC)
