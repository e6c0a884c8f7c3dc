"""Where the CPU went during the measured run, read from /proc (Linux): each process group's CPU time per
terminal saga, and how busy the whole machine was. Per-saga CPU moves far less from run to run than
the latency tail does, so it is the figure to compare two versions of the code by.

Groups are every process on the machine whose command line names them: the four services (as `make up`
and the test stacks run them), PostgreSQL, RabbitMQ, Redis, and the benchmark itself.
"""

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICK_S = 1 / os.sysconf("SC_CLK_TCK")
SERVICES = ("order", "payment", "inventory", "shipping")


def group_of(cmdline: str) -> str | None:
    """The group a process belongs to, from its command line (arguments separated by spaces)."""
    program = cmdline.split(" ", 1)[0].rsplit("/", 1)[-1]
    for service in SERVICES:
        if f"{service}-service" in cmdline:
            return service
    if program == "postgres" or cmdline.startswith("postgres:"):
        return "postgres"
    if program == "beam.smp":
        return "rabbitmq"
    if program == "redis-server":
        return "redis"
    return None


@dataclass(frozen=True)
class Sample:
    at: float
    processes: dict[int, tuple[str, float]]  # pid -> (group, CPU seconds so far)
    busy_s: float  # the machine's busy time so far (all cores)
    total_s: float


def _cpu_s(pid: str) -> float:
    stat = (PROC / pid / "stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S  # utime + stime


def sample() -> Sample | None:
    """Now; None where there is no /proc to read."""
    try:
        cpu = [int(x) for x in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    idle = cpu[3] + cpu[4]  # idle + iowait
    me = os.getpid()
    processes: dict[int, tuple[str, float]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            group = "bench" if int(entry.name) == me else group_of(
                (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip())
            if group is not None:
                processes[int(entry.name)] = (group, _cpu_s(entry.name))
        except (OSError, ValueError):  # exited while we looked
            continue
    return Sample(time.monotonic(), processes, (sum(cpu[:8]) - idle) * TICK_S, sum(cpu[:8]) * TICK_S)


def busy_share(before: Sample, after: Sample) -> float:
    """The share of all cores busy between two samples (the caller checks that time passed)."""
    return round((after.busy_s - before.busy_s) / (after.total_s - before.total_s), 3)


def usage(before: Sample | None, after: Sample | None, sagas: int) -> dict | None:
    """CPU milliseconds per saga for each group and in all (the benchmark's own left out of `total`), and
    the machine's busy share between the two samples. A process that started in between counts whole."""
    if before is None or after is None or sagas <= 0 or after.total_s <= before.total_s:
        return None
    spent: dict[str, float] = {}
    for pid, (group, cpu_s) in after.processes.items():
        earlier = before.processes.get(pid)
        spent[group] = spent.get(group, 0.0) + max(0.0, cpu_s - (earlier[1] if earlier else 0.0))
    per_saga = {g: round(s * 1000 / sagas, 2) for g, s in sorted(spent.items())}
    per_saga["total"] = round(sum(s for g, s in spent.items() if g != "bench") * 1000 / sagas, 2)
    return {
        "window_s": round(after.at - before.at, 3),
        "machine_busy": busy_share(before, after),
        "ms_per_saga": per_saga,
    }
