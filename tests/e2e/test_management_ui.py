"""The RabbitMQ management UI, seen as a person sees it: after an order has gone through, the Queues page
of the stack's virtual host lists every queue of the saga (with its .retry and .dlq), each main queue
with its consumer and every DLQ empty. Headless Chromium (`make deps`) drives the real UI."""

from urllib.parse import unquote, urlsplit
from uuid import uuid4

import aiohttp
import pytest

from events.names import CONSUMERS, dlq_name, queue_name, retry_queue_name
from stack.supervisor import Stack
from tests.support.checks import assert_clean
from tests.support.client import Api
from tests.support.management_ui import CHROMIUM, Rows, capture_queues, chromium
from tests.support.stock import prices_known

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

MAIN_QUEUES = {queue_name(consumer, event) for consumer, events in CONSUMERS.items() for event in events}
RETRY_QUEUES = {retry_queue_name(q) for q in MAIN_QUEUES}
DLQS = {dlq_name(q) for q in MAIN_QUEUES}
ALL_QUEUES = MAIN_QUEUES | RETRY_QUEUES | DLQS


def consumers(rows: Rows, queue: str) -> int:
    shown = rows.get(queue, {}).get("Consumers") or ""
    return int(shown) if shown.isdigit() else 0  # "?" until the UI has its first statistics


def shown(rows: Rows) -> bool:
    """What the page shows once its statistics caught up (they refresh every 5 s)."""
    return rows.keys() == ALL_QUEUES and all(consumers(rows, q) for q in MAIN_QUEUES)


async def test_queues_page_lists_the_saga_queues(stack: Stack, api: Api, http: aiohttp.ClientSession) -> None:
    if chromium() is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make deps`", pytrace=False)
    product = uuid4()
    async with http.put(
        f"{stack.url('inventory')}/inventory/{product}", json={"name": "ui", "quantity": 10, "price": "49.90"}
    ) as r:
        assert r.status in (200, 201), await r.text()
    await prices_known(stack, {product: "49.90"})
    order = await api.terminal(await api.place([(product, 2, "49.90")]))
    assert order["status"] == "CONFIRMED", order

    ui = urlsplit(stack.infra.rabbitmq_api)
    vhost = unquote(urlsplit(stack.amqp_url).path.removeprefix("/"))
    screenshot = stack.log_dir / "rabbitmq-queues.png"
    rows = await capture_queues(
        ui_url=f"{ui.scheme}://{ui.hostname}:{ui.port}",
        vhost=vhost,
        screenshot=screenshot,
        user=ui.username or "guest",
        password=ui.password or "guest",
        until=shown,
        timeout=30,
    )

    assert screenshot.stat().st_size > 10_000, f"screenshot {screenshot} looks empty"
    assert {"payment.order-created", "inventory.payment-approved", "order.inventory-committed"} <= rows.keys()
    assert sorted(ALL_QUEUES - rows.keys()) == [], f"not on the page; see {screenshot}"
    assert sorted(rows.keys() - ALL_QUEUES) == [], "queues the saga does not declare"
    assert [q for q in sorted(MAIN_QUEUES) if consumers(rows, q) < 1] == [], (
        f"without consumer; see {screenshot}"
    )
    assert [q for q in sorted(DLQS) if rows[q].get("Total") != "0"] == [], f"DLQs not empty; see {screenshot}"
    await assert_clean(stack)
