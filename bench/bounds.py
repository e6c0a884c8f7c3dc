"""The machine's bounds, measured beside the system in a private vhost and a scratch database.

- publish_confirm_per_s: bare aio-pika persistent publishes with publisher confirms;
- hop_per_s: bare consume -> one PostgreSQL transaction -> confirmed publish -> ack, with the
  services' prefetch and pool size: the unit of work one saga step costs, with nothing else around it;
- wakeup: the CPU a small piece of work costs back to back and after a sleep (bench.wakeup).

`python -m bench.bounds` prints them as JSON.
"""

import asyncio
import json
import time
import uuid

import aio_pika
import asyncpg
import uvloop

from bench import wakeup
from runtime.settings import ServiceSettings
from tests.support.infra import Infra, create_vhost, delete_vhost, drop_databases

BODY = b'{"event_type": "bench.hop", "payload": "' + b"x" * 600 + b'"}'  # about an event's size
WINDOW = 200  # publishes in flight, as the outbox relay gathers a batch
PREFETCH = ServiceSettings.model_fields["prefetch_count"].default
POOL_SIZE = ServiceSettings.model_fields["db_pool_max_size"].default


async def _publish(exchange: aio_pika.abc.AbstractExchange, queue: str, n: int) -> float:
    """Publish n persistent messages with confirms, WINDOW at a time; returns the seconds taken."""
    started = time.perf_counter()
    for first in range(0, n, WINDOW):
        await asyncio.gather(*(
            exchange.publish(aio_pika.Message(BODY, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                              message_id=str(uuid.uuid4())), routing_key=queue, mandatory=True)
            for _ in range(min(WINDOW, n - first))
        ))
    return time.perf_counter() - started


async def _hop(connection: aio_pika.abc.AbstractConnection, pool: asyncpg.Pool, source: str, sink: str, n: int) -> float:
    out = await connection.channel(publisher_confirms=True)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=PREFETCH)
    queue = await channel.get_queue(source)
    done, left = asyncio.Event(), [n]

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO hop (event_id, body) VALUES ($1, $2)", uuid.UUID(message.message_id), message.body)
        await out.default_exchange.publish(
            aio_pika.Message(message.body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=sink, mandatory=True
        )
        await message.ack()
        left[0] -= 1
        if left[0] == 0:
            done.set()

    started = time.perf_counter()
    tag = await queue.consume(on_message)
    await asyncio.wait_for(done.wait(), timeout=max(60, n / 20))
    elapsed = time.perf_counter() - started
    await queue.cancel(tag)
    return elapsed


async def measure(infra: Infra, publishes: int = 3000, hops: int = 1500, rounds: int = 3) -> dict:
    """Each bound is the best of `rounds` tries: other load on the machine only ever slows a try down."""
    rid = uuid.uuid4().hex[:8]
    vhost, db = f"bench-bounds-{rid}", f"bench_bounds_{rid}"
    amqp_url = await create_vhost(infra, vhost)
    admin = await asyncpg.connect(infra.pg_url)
    publish_rates, hop_rates = [], []
    try:
        await admin.execute(f'CREATE DATABASE "{db}"')
        pool = await asyncpg.create_pool(infra.database_url(db), min_size=POOL_SIZE, max_size=POOL_SIZE)
        await pool.execute("CREATE TABLE hop (event_id uuid PRIMARY KEY, body bytea NOT NULL,"
                           " at timestamptz NOT NULL DEFAULT now())")
        connection = await aio_pika.connect(amqp_url)
        try:
            channel = await connection.channel(publisher_confirms=True)
            for name in ("bench.publish", "bench.hop-in", "bench.hop-out"):
                await channel.declare_queue(name, durable=True)
            for _ in range(rounds):
                publish_rates.append(publishes / await _publish(channel.default_exchange, "bench.publish", publishes))
                await _publish(channel.default_exchange, "bench.hop-in", hops)  # the hop's input, untimed
                hop_rates.append(hops / await _hop(connection, pool, "bench.hop-in", "bench.hop-out", hops))
        finally:
            await connection.close()
            await pool.close()
    finally:
        await admin.close()
        await drop_databases(infra, db)
        await delete_vhost(infra, vhost)
    return {
        "publish_confirm_per_s": round(max(publish_rates), 1), "hop_per_s": round(max(hop_rates), 1),
        "tries": {"publish_confirm_per_s": [round(x) for x in publish_rates], "hop_per_s": [round(x) for x in hop_rates]},
        "wakeup": wakeup.measure(),
    }


def main() -> None:
    print(json.dumps(uvloop.run(measure(Infra.from_env())), indent=2))


if __name__ == "__main__":
    main()
