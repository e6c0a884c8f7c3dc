"""What waking up costs on this machine: the CPU a small piece of Python work (about what handling one
message takes) uses when it runs back to back, and when each piece follows a sleep.

A saga is some hundred such wake-ups across the processes (deliveries, confirms, acks, round trips to
PostgreSQL). Where the work arrives in a steady trickle (an offered rate), each one starts from idle;
where it queues up (as fast as possible), one wake-up serves many. On a virtual machine a wake-up
from idle can cost more than the work itself, which is why a saga costs more CPU at 100 orders/s than
in a closed loop (see `cpu` in the report).
"""

import json
import time

GAPS_S = {"back_to_back": 0.0, "every_1ms": 0.001, "every_20ms": 0.02}
UNITS = {"back_to_back": 400, "every_1ms": 300, "every_20ms": 40}  # under a second a try


def _unit() -> None:
    for i in range(30):
        json.dumps({"event_id": i, "items": [i, i + 1], "status": "PENDING"})


def unit_cpu_us(gap_s: float, units: int) -> float:
    """CPU microseconds (this process, user and system) per unit when each unit follows a `gap_s` sleep."""
    started = time.process_time()
    for _ in range(units):
        if gap_s:
            time.sleep(gap_s)
        _unit()
    return (time.process_time() - started) / units * 1e6


def measure() -> dict:
    """Each figure the best of three tries (other load only ever makes a try worse)."""
    cost = {
        name: round(min(unit_cpu_us(gap, UNITS[name]) for _ in range(3)), 1) for name, gap in GAPS_S.items()
    }
    return {"unit_cpu_us": cost, "idle_wakeup_extra_us": round(cost["every_20ms"] - cost["back_to_back"], 1)}
