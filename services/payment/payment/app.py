"""Payment service: charges orders through the simulated gateway and reverses them on compensation."""

from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

from aiohttp import web

from messaging.batch import BatchHandler
from payment.gateway import SimulatedGateway
from payment.handlers import apply_events
from payment.settings import PaymentSettings
from runtime.db import create_pool
from servicekit.service import ServiceSpec, run

GATEWAY = web.AppKey("gateway", SimulatedGateway)


async def gateway(app: web.Application, settings: PaymentSettings) -> AsyncIterator[None]:
    """The gateway stands for an outside system, so it has its own connections: a handler holding one
    of the service pool's connections must never wait on that same pool for the gateway (with every
    pool connection held by a handler, that wait would never end)."""
    pool = await create_pool(settings)
    app[GATEWAY] = SimulatedGateway(pool)
    yield
    await pool.close()


def handler(app: web.Application, settings: PaymentSettings) -> BatchHandler:
    return partial(apply_events, gateway=app[GATEWAY], settings=settings)


SPEC = ServiceSpec(
    name="payment",
    settings_cls=PaymentSettings,
    migrations=Path(__file__).parent / "migrations",
    handler=handler,
    setup=lambda app, settings: app.cleanup_ctx.append(partial(gateway, settings=settings)),
)


def main() -> None:
    run(SPEC)
