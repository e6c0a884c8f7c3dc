"""Background tasks tied to a block: started on entry, cancelled and awaited on exit."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine


@contextlib.asynccontextmanager
async def background(coro: Coroutine, name: str) -> AsyncIterator[asyncio.Task]:
    task = asyncio.create_task(coro, name=name)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
