"""Payment service: charges orders through the simulated gateway and reverses them on compensation."""

from functools import partial
from pathlib import Path

from aiohttp import web

from payment.gateway import SimulatedGateway
from payment.handlers import charge_payment, reverse_payment
from payment.settings import PaymentSettings
from runtime.service import POOL, SETTINGS, ServiceSpec, run


def handlers(app: web.Application) -> dict:
    gateway = SimulatedGateway(app[POOL])
    return {
        "order.created": partial(charge_payment, gateway=gateway, settings=app[SETTINGS]),
        "inventory.failed": partial(reverse_payment, gateway=gateway),
        "inventory.released": partial(reverse_payment, gateway=gateway),
    }


SPEC = ServiceSpec(
    name="payment",
    settings_cls=PaymentSettings,
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def main() -> None:
    run(SPEC)
