"""A stack of the four services of its own (vhost, databases and their roles, Redis prefix), removed
afterwards."""

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from stack.infra import Infra, create_vhost, delete_redis_keys, delete_vhost, drop_databases, run_id
from stack.roles import provision_roles, remove_roles
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
    stack = Stack(infra, await create_vhost(infra, vhost), f"saga_{rid}", log_dir, env=dict(env or {}))
    try:
        stack.roles.update(await provision_roles(infra, stack.db_prefix))  # the services run as these
        if start:
            await stack.start_all()
        yield stack
    finally:
        await stack.stop_all()
        await delete_vhost(infra, vhost)
        await drop_databases(infra, f"saga_{rid}_")
        await remove_roles(infra, stack.db_prefix)
        await delete_redis_keys(stack.redis_url, stack.redis_prefix)
