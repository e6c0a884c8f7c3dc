"""Where the CPU went during the measured run, read from /proc (Linux): each process group's CPU time per
terminal saga, how busy the whole machine was, and each group's wake-ups and preemptions per saga.
Per-saga CPU moves far less from run to run than the latency tail does, so it is the figure to compare
two versions of the code by on one machine. Wake-ups (the times a thread blocked, on a socket, a lock
or a timer, and had to be woken: its voluntary context switches) depend on the code and the load, not
on how fast the machine is, so they compare runs across machines too; on a virtual machine each one
that finds a core idle is dear.
Preemptions (involuntary context switches: a thread that could have run on was switched out) say how
much the processes fought over the cores.

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
    processes: dict[
        int, tuple[str, float, int, int]
    ]  # pid -> (group, CPU seconds, wake-ups, preemptions) so far
    busy_s: float  # the machine's busy time so far (all cores)
    total_s: float


def _cpu_s(pid: str) -> float:
    stat = (PROC / pid / "stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S  # utime + stime


def _switches(pid: str) -> tuple[int, int]:
    """The (voluntary, involuntary) context switches of all the process's threads (/proc/PID/status has
    only the first thread's)."""
    woken = preempted = 0
    for task in (PROC / pid / "task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    woken += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    preempted += int(line.split()[1])
        except OSError:  # the thread ended while we looked
            continue
    return woken, preempted


def sample() -> Sample | None:
    """Now; None where there is no /proc to read."""
    try:
        cpu = [int(x) for x in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    idle = cpu[3] + cpu[4]  # idle + iowait
    me = os.getpid()
    processes: dict[int, tuple[str, float, int, int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            group = (
                "bench"
                if int(entry.name) == me
                else group_of(
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                )
            )
            if group is not None:
                processes[int(entry.name)] = (group, _cpu_s(entry.name), *_switches(entry.name))
        except (OSError, ValueError):  # exited while we looked
            continue
    return Sample(time.monotonic(), processes, (sum(cpu[:8]) - idle) * TICK_S, sum(cpu[:8]) * TICK_S)


def busy_share(before: Sample, after: Sample) -> float:
    """The share of all cores busy between two samples (the caller checks that time passed)."""
    return round((after.busy_s - before.busy_s) / (after.total_s - before.total_s), 3)


def usage(before: Sample | None, after: Sample | None, sagas: int) -> dict | None:
    """CPU milliseconds, wake-ups and preemptions per saga for each group and in all (the benchmark's own
    left out of `total`), and the machine's busy share between the two samples. A process that started
    in between counts whole."""
    if before is None or after is None or sagas <= 0 or after.total_s <= before.total_s:
        return None
    spent: dict[str, float] = {}
    woken: dict[str, float] = {}
    preempted: dict[str, float] = {}
    for pid, (group, cpu_s, wakeups, preemptions) in after.processes.items():
        _, cpu_before, wakeups_before, preemptions_before = before.processes.get(pid, (group, 0.0, 0, 0))
        spent[group] = spent.get(group, 0.0) + max(0.0, cpu_s - cpu_before) * 1000
        woken[group] = woken.get(group, 0) + max(0, wakeups - wakeups_before)
        preempted[group] = preempted.get(group, 0) + max(0, preemptions - preemptions_before)
    return {
        "window_s": round(after.at - before.at, 3),
        "machine_busy": busy_share(before, after),
        "ms_per_saga": _per_saga(spent, sagas, 2),
        "wakeups_per_saga": _per_saga(woken, sagas, 1),
        "preemptions_per_saga": _per_saga(preempted, sagas, 1),
    }


def _per_saga(by_group: dict[str, float], sagas: int, digits: int) -> dict[str, float]:
    out = {g: round(x / sagas, digits) for g, x in sorted(by_group.items())}
    out["total"] = round(sum(x for g, x in by_group.items() if g != "bench") / sagas, digits)
    return out
