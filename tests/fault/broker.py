"""RabbitMQ from the outside: rabbitmqctl, and the management API's view of queues and connections."""

import asyncio
from urllib.parse import quote

from stack.infra import rabbitmq_api
from stack.supervisor import Stack
from stack.wait import eventually


async def rabbitmqctl(*args: str, timeout: float = 60) -> str:
    proc = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        raise
    assert proc.returncode == 0, f"rabbitmqctl {' '.join(args)}: {out.decode()}"
    return out.decode()


async def consumers_by_queue(stack: Stack) -> dict[str, int]:
    queues = await rabbitmq_api(
        stack.infra, "GET", f"/api/queues/{quote(stack.vhost, safe='')}?columns=name,consumers"
    )
    return {q["name"]: q.get("consumers", 0) for q in queues}


async def every_queue_consumed(stack: Stack, timeout: float = 60) -> dict[str, int]:
    """Every consumer queue (not .retry, not .dlq) has a consumer again, as the management API shows it
    (its figures lag by the statistics interval, hence the wait)."""

    async def ready() -> dict[str, int] | None:
        by_queue = await consumers_by_queue(stack)
        main = {q: n for q, n in by_queue.items() if not q.endswith((".retry", ".dlq"))}
        return main if main and all(main.values()) else None

    return await eventually(ready, timeout, 0.5, "a consumer on every queue (management API)")


async def connections(stack: Stack) -> dict[str, str]:
    """The vhost's connections: the broker's name for each (client address and port, new for every
    connection) -> the client's connection_name (`payment-service`, ...)."""
    conns = await rabbitmq_api(stack.infra, "GET", f"/api/vhosts/{quote(stack.vhost, safe='')}/connections")
    return {c["name"]: c.get("client_properties", {}).get("connection_name", "?") for c in conns}


async def reconnected(
    stack: Stack, before: dict[str, str], names: set[str], timeout: float = 60
) -> dict[str, str]:
    """Every service has a connection again, and none of them is one of `before` (all were replaced)."""

    async def ready() -> dict[str, str] | None:
        now = await connections(stack)
        return now if names <= set(now.values()) and not set(now) & set(before) else None

    return await eventually(ready, timeout, 0.5, f"{sorted(names)} connected again on new connections")
