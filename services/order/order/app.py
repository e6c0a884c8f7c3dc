"""Order service: the public API, and the order's status kept from every saga event."""

from pathlib import Path

from aiohttp import web

from events import CONSUMERS
from order.handlers import record_event, record_events
from order.http import add_routes
from order.settings import OrderSettings
from runtime.service import ServiceSpec, run


def handlers(app: web.Application) -> dict:
    return dict.fromkeys(CONSUMERS["order"], record_event)


SPEC = ServiceSpec(
    name="order",
    settings_cls=OrderSettings,
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    batch_handler=lambda app: record_events,
    setup=add_routes,
)


def main() -> None:
    run(SPEC)
