"""Shipping service: schedules freight and tracking codes, cancels shipments whose stock went back."""

from functools import partial
from pathlib import Path

from aiohttp import web

from runtime.service import SETTINGS, ServiceSpec, run
from shipping.handlers import cancel_shipment, schedule_shipment
from shipping.settings import ShippingSettings


def handlers(app: web.Application) -> dict:
    return {
        "inventory.reserved": partial(schedule_shipment, settings=app[SETTINGS]),
        "inventory.released": cancel_shipment,
    }


SPEC = ServiceSpec(
    name="shipping",
    settings_cls=ShippingSettings,
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def main() -> None:
    run(SPEC)
