"""Named fault points: inert in production; tests make a process SIGKILL itself or wait on a barrier.

FAULT_POINTS="payment.after_commit_before_ack=kill@2,inventory.before_commit=wait"
  kill@K     SIGKILL this process on the K-th hit (default 1)
  wait       create `<FAULT_BARRIER_DIR>/<point>.waiting` and block until `<point>.release` exists
  raise@KEY  raise FaultInjected on every hit whose key is KEY (an order id, say); `raise`: every hit
"""

import asyncio
import os
import signal
from pathlib import Path

_spec: dict[str, str] | None = None
_hits: dict[str, int] = {}


def _load() -> dict[str, str]:
    raw = os.environ.get("FAULT_POINTS", "")
    return dict(part.split("=", 1) for part in raw.split(",") if "=" in part)


class FaultInjected(RuntimeError):
    """Raised by a `raise` fault point: an error a retry cannot cure (a poison message)."""


async def fault_point(name: str, key: object = None) -> None:
    global _spec
    if _spec is None:
        _spec = _load()
    action = _spec.get(name)
    if action is None:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if action.startswith("kill"):
        nth = int(action.split("@", 1)[1]) if "@" in action else 1
        if _hits[name] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
    elif action.startswith("raise"):
        wanted = action.split("@", 1)[1] if "@" in action else None
        if wanted is None or wanted == str(key):
            raise FaultInjected(f"fault point {name} raised for {key}")
    elif action == "wait":
        barrier = Path(os.environ.get("FAULT_BARRIER_DIR", "/tmp/fault-barriers"))
        barrier.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - tests only
        (barrier / f"{name}.waiting").touch()
        release = barrier / f"{name}.release"
        while not release.exists():  # noqa: ASYNC110 - the barrier is a file the test creates; polled, not slept on
            await asyncio.sleep(0.005)
