"""Inventory service: reserves, commits, releases and expires stock; the stock admin and availability API."""

from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

from aiohttp import web

from inventory.api.holds import HOLD_TTLS, HoldTtls
from inventory.api.routes import add_routes
from inventory.availability.projection import PROJECTION, Projection
from inventory.availability.reconcile import run_reconciler, try_reconcile
from inventory.availability.redis_gate import RedisGate
from inventory.handlers import apply_events
from inventory.reservations.expiry import run_sweeper
from inventory.settings import InventorySettings
from messaging.batch import BatchHandler
from runtime.http import READINESS
from runtime.tasks import background
from servicekit.service import POOL, RELAY, ServiceSpec, run

STARTUP_REBUILD_TIMEOUT_S = 30.0


def handler(app: web.Application, settings: InventorySettings) -> BatchHandler:
    return partial(apply_events, settings=settings, projection=app[PROJECTION])


async def redis(app: web.Application, s: InventorySettings) -> AsyncIterator[None]:
    """Redis as cache and expiry index: rebuilt from PostgreSQL at start-up, then reconciled."""
    gate = RedisGate.from_settings(s)
    app[PROJECTION] = projection = Projection.on(gate)
    app[READINESS]["redis"] = lambda a: gate.ping()
    ok = await try_reconcile(
        app[POOL], projection, STARTUP_REBUILD_TIMEOUT_S
    )  # if Redis is away, reads use PG
    reconciler = run_reconciler(
        app[POOL],
        projection,
        s.cache_reconcile_interval.total_seconds(),
        s.redis_breaker_reset.total_seconds(),
        ok,
    )
    async with background(reconciler, "cache-reconciler"):
        yield
    await gate.close()


async def sweeper(app: web.Application, s: InventorySettings) -> AsyncIterator[None]:
    task = run_sweeper(
        app[POOL],
        app[PROJECTION],
        s.reservation_sweep_interval.total_seconds(),
        s.reservation_scan_interval.total_seconds(),
        s.sweep_batch_size,
        app[RELAY].committed,
        s.event_schema_version,
    )
    async with background(task, "reservation-sweeper"):
        yield


def setup(app: web.Application, settings: InventorySettings) -> None:
    app.cleanup_ctx.extend([partial(redis, s=settings), partial(sweeper, s=settings)])
    app[HOLD_TTLS] = HoldTtls.of(settings)
    add_routes(app)


SPEC = ServiceSpec(
    name="inventory",
    settings_cls=InventorySettings,
    migrations=Path(__file__).parent / "migrations",
    handler=handler,
    setup=setup,
)


def main() -> None:
    run(SPEC)
