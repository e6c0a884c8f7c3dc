"""A test stack's own PostgreSQL roles, one per service (names carry the run id, as RabbitMQ users do:
roles are global to the server), each owning its database; dropped with the stack."""

import asyncio
import secrets

from events.names import DATABASES, SERVICES
from runtime.dbroles import DatabaseRole, database_role, drop_roles, provision
from stack.infra import Infra


async def provision_roles(infra: Infra, prefix: str) -> dict[str, DatabaseRole]:
    """As the superuser: `<prefix>_<service>_service` roles owning the `<prefix>_<database>` databases."""
    grants = {
        s: DatabaseRole(database_role(s, prefix), secrets.token_urlsafe(18), f"{prefix}_{DATABASES[s]}")
        for s in SERVICES
    }
    await asyncio.gather(*(asyncio.to_thread(provision, infra.pg_url, g) for g in grants.values()))
    return grants


async def remove_roles(infra: Infra, prefix: str) -> None:
    """Drop the `<prefix>_...` roles; their databases must be gone first (stack.infra.drop_databases)."""
    await asyncio.to_thread(drop_roles, infra.pg_url, f"{prefix}_")
