"""The ending of every e2e and fault test: wait for quiet, then assert the checker finds nothing."""

from checker import Report, check, wait_quiet
from stack.supervisor import Stack


async def assert_clean(stack: Stack, expected_dlq: int = 0, quiet_timeout: float = 60.0) -> Report:
    await wait_quiet(stack.targets, quiet_timeout)
    report = await check(stack.targets, expected_dlq=expected_dlq)
    assert report.violations == 0, f"invariants violated: {report.as_dict()}"
    return report
