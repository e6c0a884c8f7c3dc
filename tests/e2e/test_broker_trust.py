"""The broker as a trust boundary, end to end: a forged `order.created` (published by a user that is not
order's) is dead-lettered as `forged` and nothing is charged; a service refuses to start, naming what is
missing, when the topology is not there; the definitions document the CLI generates, imported into an
empty vhost, is all the four services need."""

import asyncio
import os
import stat
import subprocess
import sys
from urllib.parse import unquote, urlsplit

import aio_pika
import asyncpg
import pytest

from events import encode
from messaging import dlq
from messaging.definitions.cli import password_variable
from messaging.dlq.cli import run
from messaging.users import ROLES
from stack.infra import create_vhost, delete_vhost
from stack.wait import eventually
from tests.support.broker import as_operator
from tests.support.checks import assert_clean
from tests.support.client import Api
from tests.support.ledgers import Money, money_of
from tests.support.stock import new_product, stock_of
from tests.unit.samples import order_created

pytestmark = pytest.mark.e2e
DLQ = "payment.order-created.dlq"


async def test_a_forged_order_created_is_dead_lettered_and_nothing_is_charged(stack, api) -> None:
    """The infrastructure's administrator may write to order.exchange, but it is not order's user:
    with no user_id, or with its own (RabbitMQ verifies it), payment refuses the event."""
    admin = unquote(urlsplit(stack.amqp_url).username or "guest")
    forged = [(order_created("10.00"), None), (order_created("20.00"), admin)]
    async with await aio_pika.connect(stack.amqp_url, timeout=10) as connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("order.exchange")
        for event, user_id in forged:
            message = aio_pika.Message(encode(event), message_id=str(event.event_id), user_id=user_id)
            await exchange.publish(message, routing_key="order.created", mandatory=True, timeout=5)

        async def dead() -> list:
            letters = await dlq.list_letters(connection, DLQ)
            return letters if len(letters) == len(forged) else []

        letters = await eventually(dead, 30, 0.1, "the forged order.created events in the DLQ")
    assert {x.message_id for x in letters} == {str(e.event_id) for e, _ in forged}
    assert {(x.reason, x.attempts) for x in letters} == {("forged", 1)}
    assert all("only order's broker user" in (x.error or "") for x in letters), letters
    ids = [e.order_id for e, _ in forged]
    assert set((await money_of(stack, ids)).values()) == {Money(None, charges=0, refunds=0)}
    conn = await asyncpg.connect(stack.database_url("payment"), timeout=10)
    try:
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE order_id = ANY($1)", ids) == 0
    finally:
        await conn.close()

    product = await new_product(stack, 10)  # an order placed through the API still goes through
    order_id = await api.place([(product, 1, "10.00")])
    assert (await api.terminal(order_id))["status"] == "CONFIRMED"
    assert await stock_of(stack, product) == (9, 0)
    await assert_clean(stack, expected_dlq=len(forged))
    assert await run([*as_operator(stack), "purge", DLQ, "--yes"]) == 0


async def test_a_service_refuses_to_start_naming_what_is_missing(make_stack) -> None:
    stack = await make_stack(start=False)
    async with await aio_pika.connect(stack.amqp_url, timeout=10) as connection:
        channel = await connection.channel()
        await channel.queue_delete("payment.order-created.retry")
        await channel.exchange_delete("payment.retry")
    await stack.start("payment", wait=False)
    assert await stack.exited("payment", 60) != 0
    log = (stack.log_dir / "payment.log").read_text()
    assert "exchange payment.retry" in log and "queue payment.order-created.retry" in log, log[-3000:]
    assert "queue payment.order-created," not in log, "a queue that is there was named missing"


async def test_a_service_refuses_to_start_as_another_broker_user(make_stack) -> None:
    """As the administrator its events would carry the administrator's user_id, which every consumer
    refuses: it says so instead of starting."""
    stack = await make_stack(start=False)
    await stack.start("shipping", {"RABBITMQ_URL": stack.broker_url("payment")}, wait=False)
    assert await stack.exited("shipping", 60) != 0
    log = (stack.log_dir / "shipping.log").read_text()
    wanted = f"logs in as '{stack.broker_user('payment')}'; this service publishes as its own broker user"
    assert wanted in log and repr(stack.broker_user("shipping")) in log, log[-3000:]


async def test_a_refused_login_fails_the_start_at_once(make_stack) -> None:
    stack = await make_stack(start=False)
    wrong = stack.broker_url("payment").replace(stack.broker_users.passwords["payment"], "not-the-password")
    await stack.start("payment", {"RABBITMQ_URL": wrong, "STARTUP_TIMEOUT_S": "600"}, wait=False)
    assert await stack.exited("payment", 60) != 0, "it waited for a login that can never succeed"
    log = (stack.log_dir / "payment.log").read_text()
    assert f"RabbitMQ refused the login of user {stack.broker_user('payment')!r}" in log, log[-3000:]
    assert "not-the-password" not in log


async def test_the_generated_definitions_are_all_the_services_need(infra, make_stack, http, tmp_path) -> None:
    """An empty vhost, the CLI's document imported into it (which creates the vhost, the topology, the
    users and their permissions): the four services start and an order is confirmed."""
    stack = await make_stack(start=False)
    users = stack.broker_users
    assert users is not None
    await delete_vhost(infra, stack.vhost)  # nothing left of what the stack made
    out = tmp_path / "definitions.json"
    env = {**os.environ, **{password_variable(role): users.passwords[role] for role in ROLES}}
    command = [sys.executable, "-m", "messaging.definitions", "--vhost", stack.vhost]
    command += ["--user-prefix", users.prefix, "--out", str(out), "--import-to", infra.rabbitmq_api]
    result = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # noqa: ASYNC240 - a local file, read once
    text = out.read_text()  # noqa: ASYNC240
    assert not any(password in text for password in users.passwords.values()), "a password in the document"
    await create_vhost(infra, stack.vhost)  # the administrator's permissions again, for the checker

    await stack.start_all()
    product = await new_product(stack, 5)
    api = Api(http, stack.url("order"), stack.url("inventory"))
    order_id = await api.place([(product, 1, "10.00")])
    assert (await api.terminal(order_id))["status"] == "CONFIRMED"
    await assert_clean(stack)
