"""The invariant checker: reads the four databases, the broker and Redis once the system is quiet and
counts every violation of the invariants in docs/design.md (zero when healthy). Used by tests, the benchmark
and `make check`."""

from checker.quiet import NotQuiet, wait_quiet
from checker.report import Report, check
from checker.targets import Targets

__all__ = ["NotQuiet", "Report", "Targets", "check", "wait_quiet"]
