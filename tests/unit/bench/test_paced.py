"""The paced floor: hops fed on time, its CPU arithmetic, and the saga's CPU over it in the report."""

import asyncio

import pytest

from bench import paced
from bench.cpu import Sample
from bench.report import _to_floor


def test_cpu_per_hop_and_the_machine_busy_share_over_the_window():
    before, after = Sample(0.0, {}, busy_s=10.0, total_s=40.0), Sample(2.0, {}, busy_s=12.0, total_s=44.0)
    assert paced.summary(before, after, 800.0, 1000) == {
        "rate_per_s": 800.0,
        "hops": 1000,
        "machine_busy": 0.5,
        "cpu_ms_per_hop": 2.0,
    }
    assert (
        paced.summary(None, after, 800.0, 1000) is None and paced.summary(after, after, 800.0, 1000) is None
    )


def test_the_report_divides_the_saga_cpu_by_eight_paced_hops():
    cpu = {"ms_per_saga": {"total": 16.0}}
    assert _to_floor(cpu, {"cpu_ms_per_hop": 1.0}) == 2.0
    assert _to_floor(cpu, None) is None and _to_floor(None, {"cpu_ms_per_hop": 1.0}) is None


async def test_every_hop_is_fed_at_the_rate_and_the_consumer_is_stopped():
    sent, events = [], []
    loop = asyncio.get_running_loop()

    async def start(n: int):
        events.append(("start", n))

        async def finished() -> None:
            events.append(("finished", len(sent)))

        async def stop() -> None:
            events.append(("stop",))

        return finished, stop

    async def publish() -> None:
        sent.append(loop.time())

    result = await paced.measure(start, publish, rate=200.0, seconds=0.1)

    assert events == [("start", 20), ("finished", 20), ("stop",)]
    assert sent[-1] - sent[0] >= 19 / 200 * 0.9  # paced over the window, not sent in one burst
    assert result is not None and result["hops"] == 20 and result["cpu_ms_per_hop"] >= 0


async def test_the_consumer_is_stopped_when_feeding_fails():
    stopped = []

    async def start(n: int):
        async def finished() -> None: ...

        async def stop() -> None:
            stopped.append(True)

        return finished, stop

    async def publish() -> None:
        raise ConnectionError("broker away")

    with pytest.raises(ConnectionError):
        await paced.measure(start, publish, rate=100.0, seconds=0.05)
    assert stopped == [True]
