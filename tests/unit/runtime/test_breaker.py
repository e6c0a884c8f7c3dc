"""The circuit breaker (runtime/breaker.py): opens after N consecutive failures, probes once, closes."""

import asyncio

import pytest

from runtime.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, CircuitOpen


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, changes: list[str] | None = None) -> CircuitBreaker:
    return CircuitBreaker(3, 2.0, clock=clock, on_change=changes.append if changes is not None else None)


def test_opens_after_the_threshold_of_consecutive_failures_only():
    b = breaker(Clock())
    b.failed()
    b.failed()
    b.succeeded()  # a success resets the count
    b.failed()
    b.failed()
    assert b.state == CLOSED and b.allow()
    b.failed()
    assert b.state == OPEN and not b.allow()


def test_after_the_reset_time_exactly_one_probe_goes_through():
    clock, changes = Clock(), []
    b = breaker(clock, changes)
    for _ in range(3):
        b.failed()
    clock.now = 1.9
    assert not b.allow()
    clock.now = 2.0
    assert b.allow() and b.state == HALF_OPEN
    assert not b.allow()  # a second caller while the probe is in flight
    b.succeeded()
    assert b.state == CLOSED and b.allow()
    assert changes == [OPEN, HALF_OPEN, CLOSED]


def test_a_failed_probe_opens_the_circuit_again_for_a_full_period():
    clock = Clock()
    b = breaker(clock)
    for _ in range(3):
        b.failed()
    clock.now = 2.5
    assert b.allow()
    b.failed()
    assert b.state == OPEN
    clock.now = 4.4
    assert not b.allow()
    clock.now = 4.5
    assert b.allow()


async def test_call_counts_a_timeout_as_a_failure_and_refuses_while_open():
    b = CircuitBreaker(1, 60.0)

    async def hang() -> None:
        await asyncio.Event().wait()

    with pytest.raises(TimeoutError):
        await b.call(hang, 0.01)
    assert b.state == OPEN
    with pytest.raises(CircuitOpen):
        await b.call(hang, 0.01)


async def test_a_cancelled_probe_is_neither_success_nor_failure():
    clock = Clock()
    b = CircuitBreaker(1, 1.0, clock=clock)
    b.failed()
    clock.now = 1.0
    started = asyncio.Event()

    async def probe() -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(b.call(probe, 10))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert b.state == HALF_OPEN and b.allow()  # the next caller may probe
