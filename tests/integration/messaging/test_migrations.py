"""The messaging tables upgrade in place: a database migrated before the outbox kept its retries gets
the new columns and indexes, and its unsent rows are claimed and published as before."""

import asyncio
import shutil
from pathlib import Path

import asyncpg
from yoyo import get_backend, read_migrations

from events import encode
from messaging.outbox import OutboxRelay
from messaging.tables import MIGRATIONS as MESSAGING_MIGRATIONS
from runtime.db import ensure_database, migrate
from stack.infra import drop_databases, run_id
from tests.integration.messaging.recorder import take_all
from tests.unit.samples import event_of

RESERVED = "inventory.reserved"


def apply_only(url: str, directory: Path) -> None:
    backend = get_backend(url)
    with backend.lock():
        backend.apply_migrations(backend.to_apply(read_migrations(str(directory))))


async def test_an_outbox_from_before_the_retry_columns_upgrades_in_place(infra, tmp_path, broker, publisher):
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(MESSAGING_MIGRATIONS / "messaging-0001.outbox-and-inbox.sql", first)
    prefix = f"msgupgrade_{run_id()}"
    url = infra.database_url(prefix)
    await ensure_database(url)
    try:
        await asyncio.to_thread(apply_only, url, first)
        event = event_of(RESERVED)
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(  # a row its writer never published, from before the upgrade
                "INSERT INTO outbox (event_id, order_id, exchange, routing_key, body, created_at)"
                " VALUES ($1, $2, 'inventory.exchange', $3, $4, now() - interval '1 minute')",
                event.event_id,
                event.order_id,
                RESERVED,
                encode(event),
            )
        finally:
            await conn.close()

        (tmp_path / "service").mkdir()
        await asyncio.to_thread(
            migrate, url, MESSAGING_MIGRATIONS, tmp_path / "service"
        )  # as a service starts

        async with asyncpg.create_pool(url, min_size=1, max_size=2) as pool:
            row = await pool.fetchrow("SELECT attempts, next_attempt_at, last_error FROM outbox")
            assert tuple(row) == (0, None, None)
            indexes = {
                r["indexname"]
                for r in await pool.fetch("SELECT indexname FROM pg_indexes WHERE tablename = 'outbox'")
            }
            assert {"outbox_fresh", "outbox_retry"} <= indexes and "outbox_unsent" not in indexes
            assert await OutboxRelay(pool, publisher, "shipping", claim_after_s=5).publish_batch() == 1
            assert await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
        assert [m.message_id for m in await take_all(broker, "shipping.inventory-reserved")] == [
            str(event.event_id)
        ]
    finally:
        await drop_databases(infra, prefix)
