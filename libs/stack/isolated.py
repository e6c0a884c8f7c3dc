"""A stack of the four services of its own (vhost, databases, Redis prefix), removed afterwards."""

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from stack.broker_users import create_broker_users, delete_broker_users
from stack.infra import Infra, create_vhost, delete_redis_keys, delete_vhost, drop_databases, run_id
from stack.supervisor import Stack

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "var/test-logs"))  # each stack's service logs


@contextlib.asynccontextmanager
async def isolated_stack(
    infra: Infra, env: dict[str, str] | None = None, start: bool = True
) -> AsyncIterator[Stack]:
    rid = run_id()
    vhost = f"saga-test-{rid}"
    log_dir = ARTIFACTS / rid
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(env or {})
    amqp_url = await create_vhost(infra, vhost)
    users = await create_broker_users(infra, vhost, rid, env.get("QUEUE_TYPE", "classic"))
    stack = Stack(infra, amqp_url, f"saga_{rid}", log_dir, env=env, broker_users=users)
    try:
        if start:
            await stack.start_all()
        yield stack
    finally:
        await stack.stop_all()
        await delete_vhost(infra, vhost)
        await delete_broker_users(infra, users)
        await drop_databases(infra, f"saga_{rid}_")
        await delete_redis_keys(stack.redis_url, stack.redis_prefix)
