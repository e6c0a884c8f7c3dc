"""The machine's bounds, measured beside the system in a private vhost and a scratch database.

- publish_confirm_per_s: bare aio-pika persistent publishes with publisher confirms;
- hop_per_s: bare consume -> one PostgreSQL transaction -> confirmed publish -> ack, with the
  services' prefetch and pool size: the unit of work one saga step costs, with nothing else around it;
- wakeup: the CPU a small piece of work costs back to back and after a sleep (bench.wakeup);
- paced_hop: for a run at an offered rate, the bare hop fed at the rate the run's sagas made
  deliveries, and the CPU it cost the machine: a floor for a saga's CPU at that rate (bench.paced).

`python -m bench.bounds [--paced-rate HOPS_PER_S]` prints them as JSON.
"""

import argparse
import asyncio
import json
import time
import uuid

import aio_pika
import asyncpg
import uvloop

from bench import paced, wakeup
from runtime.settings import ServiceSettings
from stack.infra import Infra, create_vhost, delete_vhost, drop_databases

BODY = b'{"event_type": "bench.hop", "payload": "' + b"x" * 600 + b'"}'  # about an event's size
WINDOW = 200  # publishes in flight, as the outbox relay gathers a batch
PREFETCH = ServiceSettings.model_fields["prefetch_count"].default
POOL_SIZE = ServiceSettings.model_fields["db_pool_max_size"].default


def _message() -> aio_pika.Message:
    return aio_pika.Message(
        BODY, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=str(uuid.uuid4())
    )


async def _publish(exchange: aio_pika.abc.AbstractExchange, queue: str, n: int) -> float:
    """Publish n persistent messages with confirms, WINDOW at a time; returns the seconds taken."""
    started = time.perf_counter()
    for first in range(0, n, WINDOW):
        await asyncio.gather(
            *(
                exchange.publish(_message(), routing_key=queue, mandatory=True)
                for _ in range(min(WINDOW, n - first))
            )
        )
    return time.perf_counter() - started


async def consume_hops(
    connection: aio_pika.abc.AbstractConnection, pool: asyncpg.Pool, source: str, sink: str, n: int
) -> paced.Started:
    """Start the bare hop on `source` (consume -> one transaction -> confirmed publish to `sink` -> ack);
    returns (wait until n hops are done, stop consuming)."""
    out = await connection.channel(publisher_confirms=True)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=PREFETCH)
    queue = await channel.get_queue(source)
    done, left = asyncio.Event(), [n]

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO hop (event_id, body) VALUES ($1, $2)",
                uuid.UUID(message.message_id),
                message.body,
            )
        await out.default_exchange.publish(
            aio_pika.Message(message.body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=sink,
            mandatory=True,
        )
        await message.ack()
        left[0] -= 1
        if left[0] == 0:
            done.set()

    tag = await queue.consume(on_message)

    async def finished() -> None:
        await asyncio.wait_for(done.wait(), timeout=max(60, n / 20))

    async def stop() -> None:
        await queue.cancel(tag)
        await channel.close()
        await out.close()

    return finished, stop


async def _hop(
    connection: aio_pika.abc.AbstractConnection, pool: asyncpg.Pool, source: str, sink: str, n: int
) -> float:
    """n hops of messages already queued, as fast as they go; returns the seconds taken."""
    started = time.perf_counter()
    finished, stop = await consume_hops(connection, pool, source, sink, n)
    await finished()
    elapsed = time.perf_counter() - started
    await stop()
    return elapsed


async def measure(
    infra: Infra,
    publishes: int = 3000,
    hops: int = 1500,
    rounds: int = 3,
    paced_rate: float | None = None,
    paced_s: float = paced.SECONDS,
) -> dict:
    """Each bound is the best of `rounds` tries: other load on the machine only ever slows a try down.
    With `paced_rate` (hops/s), also the bare hop's cost at that offered rate (bench.paced)."""
    rid = uuid.uuid4().hex[:8]
    vhost, db = f"bench-bounds-{rid}", f"bench_bounds_{rid}"
    amqp_url = await create_vhost(infra, vhost)
    admin = await asyncpg.connect(infra.pg_url)
    publish_rates, hop_rates = [], []
    try:
        await admin.execute(f'CREATE DATABASE "{db}"')
        pool = await asyncpg.create_pool(infra.database_url(db), min_size=POOL_SIZE, max_size=POOL_SIZE)
        await pool.execute(
            "CREATE TABLE hop (event_id uuid PRIMARY KEY, body bytea NOT NULL,"
            " at timestamptz NOT NULL DEFAULT now())"
        )
        connection = await aio_pika.connect(amqp_url)
        try:
            channel = await connection.channel(publisher_confirms=True)
            for name in (
                "bench.publish",
                "bench.hop-in",
                "bench.hop-out",
                "bench.paced-in",
                "bench.paced-out",
            ):
                await channel.declare_queue(name, durable=True)
            for _ in range(rounds):
                publish_rates.append(
                    publishes / await _publish(channel.default_exchange, "bench.publish", publishes)
                )
                await _publish(channel.default_exchange, "bench.hop-in", hops)  # the hop's input, untimed
                hop_rates.append(hops / await _hop(connection, pool, "bench.hop-in", "bench.hop-out", hops))
            floor = None
            if paced_rate:
                floor = await paced.measure(
                    lambda n: consume_hops(connection, pool, "bench.paced-in", "bench.paced-out", n),
                    lambda: channel.default_exchange.publish(
                        _message(), routing_key="bench.paced-in", mandatory=True
                    ),
                    paced_rate,
                    paced_s,
                )
        finally:
            await connection.close()
            await pool.close()
    finally:
        await admin.close()
        await drop_databases(infra, db)
        await delete_vhost(infra, vhost)
    return {
        "publish_confirm_per_s": round(max(publish_rates), 1),
        "hop_per_s": round(max(hop_rates), 1),
        "tries": {
            "publish_confirm_per_s": [round(x) for x in publish_rates],
            "hop_per_s": [round(x) for x in hop_rates],
        },
        "wakeup": wakeup.measure(),
        **({"paced_hop": floor} if floor else {}),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--paced-rate", type=float, default=None, help="also the bare hop offered at this many hops/s"
    )
    a = p.parse_args(argv)
    print(json.dumps(uvloop.run(measure(Infra.from_env(), paced_rate=a.paced_rate)), indent=2))


if __name__ == "__main__":
    main()
