"""A stack of the four services of its own (vhost, databases and their roles, Redis prefix), removed
afterwards."""

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from stack.broker_users import create_broker_users, delete_broker_users
from stack.infra import Infra, create_vhost, delete_redis_keys, delete_vhost, drop_databases, run_id
from stack.roles import provision_roles, remove_roles
from stack.supervisor import Stack
from stack.tokens import Signer

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "var/test-logs"))  # each stack's service logs


@contextlib.asynccontextmanager
async def isolated_stack(
    infra: Infra, env: dict[str, str] | None = None, start: bool = True, signer: Signer | None = None
) -> AsyncIterator[Stack]:
    """`signer`: whose tokens the stack accepts (the tests' session key); None: a throwaway of its own."""
    rid = run_id()
    vhost = f"saga-test-{rid}"
    log_dir = ARTIFACTS / rid
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(env or {})
    keys = contextlib.ExitStack()
    if signer is None:  # a key of its own, removed with the stack
        signer = Signer.at(keys.enter_context(tempfile.TemporaryDirectory(prefix=f"saga-auth-{rid}-")))
    amqp_url = await create_vhost(infra, vhost)
    users = await create_broker_users(infra, vhost, rid, env.get("QUEUE_TYPE", "classic"))
    stack = Stack(infra, amqp_url, f"saga_{rid}", log_dir, env=env, signer=signer, broker_users=users)
    try:
        stack.roles.update(await provision_roles(infra, stack.db_prefix))  # the services run as these
        if start:
            await stack.start_all()
        yield stack
    finally:
        await stack.stop_all()
        await delete_vhost(infra, vhost)
        await delete_broker_users(infra, users)
        await drop_databases(infra, f"saga_{rid}_")
        await remove_roles(infra, stack.db_prefix)
        await delete_redis_keys(stack.redis_url, stack.redis_prefix)
        keys.close()
