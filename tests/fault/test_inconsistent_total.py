"""An `order.created` whose `total_amount` is not the sum of its items (a producer's bug, or a forged
total under the approval limit): payment dead-letters it at once with the reason, records no payment,
charges nothing and announces nothing; an honest order placed afterwards completes."""

from decimal import Decimal
from uuid import uuid4

import aio_pika
import asyncpg
import pytest

from events import Item, OrderCreated, encode, exchange_name
from events.catalog import OrderCreatedPayload
from messaging import dlq
from messaging.dlq.cli import run
from stack.wait import eventually
from tests.fault.orders import Orders
from tests.support.checks import assert_clean
from tests.support.ledgers import Money, money_of
from tests.support.stock import new_product

pytestmark = pytest.mark.e2e
DLQ = "payment.order-created.dlq"


async def test_an_order_created_whose_total_is_not_its_items_sum_is_dead_lettered_and_nothing_charged(
    shared_stack, http
) -> None:
    stack = shared_stack
    product = await new_product(stack, 10)
    forged = OrderCreated.new(
        uuid4(),
        OrderCreatedPayload(  # 20000.00 of goods, above the limit, "costing" 10.00
            customer_id=uuid4(),
            payment_method="credit_card",
            total_amount=Decimal("10.00"),
            items=[Item(product_id=product, quantity=2, unit_price=Decimal("10000.00"))],
        ),
    )
    # published by the order service's own broker user: a bug of the producer, not a forgery
    async with await aio_pika.connect(stack.broker_url("order"), timeout=10) as as_order:
        channel = await as_order.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(exchange_name("order"))
        await exchange.publish(
            aio_pika.Message(
                encode(forged),
                message_id=str(forged.event_id),
                user_id=stack.broker_user("order"),
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=forged.event_type,
            mandatory=True,
        )
    connection = await aio_pika.connect(stack.amqp_url, timeout=10)
    try:

        async def dead() -> list:
            return await dlq.list_letters(connection, DLQ)

        [letter] = await eventually(dead, 30, 0.1, "the forged order.created in the DLQ")
    finally:
        await connection.close()

    assert (letter.message_id, letter.order_id) == (str(forged.event_id), str(forged.order_id))
    assert (letter.attempts, letter.reason) == (1, "permanent")
    assert "total_amount 10.00 is not the sum of the items, 20000.00" in (letter.error or "")
    assert (await money_of(stack, [forged.order_id]))[forged.order_id] == Money(None, charges=0, refunds=0)
    conn = await asyncpg.connect(stack.database_url("payment"), timeout=10)
    try:
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE order_id = $1", forged.order_id) == 0
    finally:
        await conn.close()

    orders = Orders(http, stack)  # the consumer is still there and still charges honest orders
    await orders.place([(product, 1, "10.00")], "CONFIRMED")
    await orders.settled()
    await assert_clean(stack, expected_dlq=1)
    assert await run(["--url", stack.amqp_url, "purge", "payment.order-created", "--yes"]) == 0
