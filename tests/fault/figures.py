"""The figures every fault test reports for the note: orders, faults injected, lost, duplicated, recovery.

Each test fills one Figures; the conftest prints a line per test, writes them to
var/test-logs/fault-figures.jsonl and prints the table at the end of the session.
"""

import json
from dataclasses import asdict, dataclass, field

from stack.isolated import ARTIFACTS

FIGURES_FILE = ARTIFACTS / "fault-figures.jsonl"


@dataclass
class Figures:
    test: str
    orders: int = 0  # orders accepted (201) during the test
    faults: int = 0  # faults injected: kills, connection drops, outages, bad messages...
    lost: int = -1  # accepted orders that never reached the terminal status they should (-1: not measured)
    duplicated: int = -1  # effects applied more than once (-1: not measured)
    recovery_s: float | None = None  # from the end of the fault to quiet (every saga finished)
    seconds: float = 0.0  # the whole test
    notes: dict = field(default_factory=dict)

    def line(self) -> str:
        return "FAULT-FIGURES " + json.dumps(asdict(self), default=str)


def table(rows: list[Figures]) -> list[str]:
    head = f"{'test':<90} {'orders':>6} {'faults':>6} {'lost':>4} {'dup':>4} {'recovery':>9} {'time':>6}"
    lines = [head, "-" * len(head)]
    for f in rows:
        recovery = f"{f.recovery_s:.1f}s" if f.recovery_s is not None else "-"
        lines.append(
            f"{f.test[:90]:<90} {f.orders:>6} {f.faults:>6} {_n(f.lost):>4} {_n(f.duplicated):>4}"
            f" {recovery:>9} {f.seconds:>5.0f}s"
        )
    return lines


def _n(value: int) -> str:
    return "-" if value < 0 else str(value)


def save(f: Figures) -> None:
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES_FILE.open("a") as out:
        out.write(json.dumps(asdict(f), default=str) + "\n")
