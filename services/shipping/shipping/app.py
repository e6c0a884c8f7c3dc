"""Shipping service: schedules freight and tracking codes, cancels shipments whose stock went back."""

from functools import partial
from pathlib import Path

from aiohttp import web

from events import CONSUMERS
from messaging.batch import BatchHandler, Handler
from runtime.service import SETTINGS, ServiceSpec, run
from shipping.handlers import apply_event, apply_events
from shipping.settings import ShippingSettings


def handlers(app: web.Application) -> dict[str, Handler]:
    return dict.fromkeys(CONSUMERS["shipping"], partial(apply_event, settings=app[SETTINGS]))


def batch_handler(app: web.Application) -> BatchHandler:
    return partial(apply_events, settings=app[SETTINGS])


SPEC = ServiceSpec(
    name="shipping",
    settings_cls=ShippingSettings,
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    batch_handler=batch_handler,
)


def main() -> None:
    run(SPEC)
