"""Load while a fault happens: waves of orders that take every path of the saga, each wave on a fresh
product (created before any fault) so the status every order must end in is known in advance."""

import asyncio
from dataclasses import dataclass, field
from uuid import UUID

from stack.wait import eventually
from tests.fault.orders import Orders, saga_mix
from tests.support.stock import new_product


@dataclass
class Waves:
    orders: Orders
    waves: int
    products: list[UUID] = field(default_factory=list)
    _task: asyncio.Task | None = None

    async def prepare(self) -> "Waves":
        """Create the products now (before the fault: the test's own stock helper needs every dependency)."""
        if not self.products:
            self.products = [await new_product(self.orders.stack, 100) for _ in range(self.waves)]
        return self

    async def start(self) -> "Waves":
        await self.prepare()
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        for product in self.products:
            await self.orders.place_all(saga_mix(product))

    async def accepted(self, n: int, timeout: float = 60) -> None:
        """Wait until at least `n` orders were accepted: faults are injected at points of progress."""

        def reached() -> bool:
            if self._task is not None and self._task.done() and self._task.exception():
                # the load failed: say why now, not at the deadline
                raise RuntimeError(f"the load failed: {self._task.exception()!r}") from self._task.exception()
            return len(self.orders.expected) >= n

        await eventually(reached, timeout, 0.05, f"{n} orders accepted")

    async def done(self) -> None:
        assert self._task is not None
        await self._task
