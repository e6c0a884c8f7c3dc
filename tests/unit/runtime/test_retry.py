"""The one start-up wait (runtime.retry.until_ready) that PostgreSQL's and RabbitMQ's start-up share."""

import logging

import pytest

from runtime.retry import until_ready


class Flaky:
    """Fails with `error` for the first `failures` calls, then answers."""

    def __init__(self, failures: int, error: BaseException) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ready"


async def test_it_waits_through_the_errors_it_is_told_of_and_returns_the_answer(caplog):
    attempt = Flaky(3, OSError("connection refused"))
    with caplog.at_level(logging.WARNING, logger="runtime.retry"):
        assert await until_ready(attempt, "database", (OSError,), timeout_s=10, interval_s=0) == "ready"
    assert attempt.calls == 4
    assert [r.getMessage() for r in caplog.records] == ["database not ready, retrying"] * 3
    assert all("connection refused" in r.error for r in caplog.records)


async def test_past_the_deadline_the_last_error_is_raised():
    attempt = Flaky(10**9, TimeoutError("still down"))
    with pytest.raises(TimeoutError, match="still down"):
        await until_ready(attempt, "broker", (TimeoutError,), timeout_s=0.05, interval_s=0.01)
    assert attempt.calls > 1


async def test_an_error_it_was_not_told_of_is_raised_at_once():
    attempt = Flaky(1, ValueError("a bug, not an outage"))
    with pytest.raises(ValueError):
        await until_ready(attempt, "database", (OSError,), timeout_s=10, interval_s=0)
    assert attempt.calls == 1
