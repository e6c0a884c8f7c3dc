"""Order service: the public API, and the order's status kept from every saga event."""

from pathlib import Path

from order.handlers import apply_events
from order.http import add_routes
from order.settings import OrderSettings
from servicekit.service import ServiceSpec, run

SPEC = ServiceSpec(
    name="order",
    settings_cls=OrderSettings,
    migrations=Path(__file__).parent / "migrations",
    handler=lambda app, settings: apply_events,
    setup=lambda app, settings: add_routes(app),
)


def main() -> None:
    run(SPEC)
