"""Shipping service: schedules freight and tracking codes, cancels shipments whose stock went back."""

from functools import partial
from pathlib import Path

from aiohttp import web

from messaging.batch import BatchHandler
from servicekit.service import ServiceSpec, run
from shipping.handlers import apply_events
from shipping.settings import ShippingSettings


def handler(app: web.Application, settings: ShippingSettings) -> BatchHandler:
    return partial(apply_events, settings=settings)


SPEC = ServiceSpec(
    name="shipping",
    settings_cls=ShippingSettings,
    migrations=Path(__file__).parent / "migrations",
    handler=handler,
)


def main() -> None:
    run(SPEC)
