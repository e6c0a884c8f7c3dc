"""`python -m checker` (make check): wait for quiet, check the running system, print JSON, exit 1 on violations."""

import argparse
import asyncio
import sys

import orjson

from checker import NotQuiet, Targets, check, wait_quiet


async def _main(args: argparse.Namespace) -> int:
    targets = Targets.local()
    if args.wait:
        try:
            await wait_quiet(targets, args.wait)
        except NotQuiet as exc:
            print(str(exc), file=sys.stderr)
    report = await check(targets, expected_dlq=args.expected_dlq)
    sys.stdout.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2, default=str).decode() + "\n")
    return 1 if report.violations else 0


def main() -> None:
    parser = argparse.ArgumentParser(description="Check the saga's invariants against the running system.")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for quiet first (0: don't)")
    parser.add_argument(
        "--expected-dlq", type=int, default=0, help="dead-lettered messages that are expected"
    )
    sys.exit(asyncio.run(_main(parser.parse_args())))


if __name__ == "__main__":
    main()
