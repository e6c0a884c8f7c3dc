"""The benchmark's CPU accounting: which process is whose, and CPU per saga between two samples."""

import os
import time

from bench import cpu
from bench.cpu import Sample


def test_processes_are_grouped_by_their_command_line():
    assert cpu.group_of("/w/.venv/bin/python3 /w/.venv/bin/order-service") == "order"
    assert cpu.group_of("/w/.venv/bin/python3 /w/.venv/bin/inventory-service") == "inventory"
    assert cpu.group_of("postgres: 15/main: postgres orders 127.0.0.1(40312) idle") == "postgres"
    assert cpu.group_of("/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main") == "postgres"
    assert cpu.group_of("/usr/lib/erlang/erts-13.1/bin/beam.smp -W w -MBas ageffcbf") == "rabbitmq"
    assert cpu.group_of("redis-server 127.0.0.1:6379") == "redis"
    for other in ("bash", "/usr/bin/python3 -m pytest tests/unit", "/usr/bin/epmd -daemon", ""):
        assert cpu.group_of(other) is None


def test_cpu_wakeups_and_preemptions_per_saga_count_what_each_group_spent_in_the_window():
    before = Sample(
        10.0,
        {1: ("order", 5.0, 1000, 10), 2: ("postgres", 1.0, 50, 5), 3: ("bench", 2.0, 7, 0)},
        busy_s=100,
        total_s=400,
    )
    after = Sample(
        12.0,
        {
            1: ("order", 5.5, 1900, 60),
            2: ("postgres", 1.2, 450, 5),
            3: ("bench", 2.4, 107, 30),
            4: ("postgres", 0.1, 25, 20),
        },
        busy_s=103,
        total_s=404,
    )  # pid 4 started in between: counted whole

    used = cpu.usage(before, after, sagas=100)

    assert used == {
        "window_s": 2.0,
        "machine_busy": 0.75,
        "ms_per_saga": {"bench": 4.0, "order": 5.0, "postgres": 3.0, "total": 8.0},
        "wakeups_per_saga": {"bench": 1.0, "order": 9.0, "postgres": 4.2, "total": 13.2},
        "preemptions_per_saga": {"bench": 0.3, "order": 0.5, "postgres": 0.2, "total": 0.7},
    }


def test_no_figure_without_two_samples_or_sagas():
    s = Sample(1.0, {}, 1, 2)
    assert cpu.usage(None, s, 10) is None and cpu.usage(s, None, 10) is None and cpu.usage(s, s, 0) is None


def test_a_sample_of_this_machine_finds_the_benchmark_itself():
    taken = cpu.sample()
    assert taken is not None  # Linux: /proc is there
    group, spent, wakeups, preemptions = taken.processes[os.getpid()]
    assert group == "bench" and spent > 0 and preemptions >= 0
    time.sleep(0.001)  # blocks this thread: one wake-up more, the thing counted
    assert cpu.sample().processes[os.getpid()][2] > wakeups
    assert 0 < taken.busy_s <= taken.total_s
