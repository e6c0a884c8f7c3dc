"""Screenshot of the RabbitMQ management UI's Queues page for the running system (`make ui-screenshot`).

Logs in with headless Chromium, shows virtual host "/" (where `make up` runs) with the consumer count
column, and checks that every queue of the saga is listed, each work queue consumed and every DLQ empty.
Only a page that passes replaces docs/rabbitmq-queues.png; otherwise the picture goes to var/ for a look.
"""

import argparse
import asyncio
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script: tests/support is not an installed package

from events.names import CONSUMERS, dlq_name, queue_name, retry_queue_name  # noqa: E402
from tests.support.management_ui import Rows, capture_queues  # noqa: E402

MAIN_QUEUES = {queue_name(consumer, event) for consumer, events in CONSUMERS.items() for event in events}
DLQS = {dlq_name(q) for q in MAIN_QUEUES}
ALL_QUEUES = MAIN_QUEUES | {retry_queue_name(q) for q in MAIN_QUEUES} | DLQS
ATTEMPT = ROOT / "var" / "rabbitmq-queues.png"


def unconsumed(rows: Rows) -> set[str]:
    return {q for q in MAIN_QUEUES if rows.get(q, {}).get("Consumers", "0") in ("", "0")}


def problems(rows: Rows) -> list[str]:
    found = []
    if missing := ALL_QUEUES - rows.keys():
        found.append(f"not listed: {sorted(missing)}")
    if idle := unconsumed(rows):
        found.append(f"no consumer: {sorted(idle)}")
    if dead := {q: rows[q].get("Total") for q in DLQS & rows.keys() if rows[q].get("Total") != "0"}:
        found.append(f"dead letters: {dict(sorted(dead.items()))}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:15672", help="management UI")
    parser.add_argument("--vhost", default="/")
    parser.add_argument("--user", default="guest")
    parser.add_argument("--password", default="guest")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "rabbitmq-queues.png")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the page")
    args = parser.parse_args()
    try:
        rows = asyncio.run(
            capture_queues(
                ui_url=args.url,
                vhost=args.vhost,
                screenshot=ATTEMPT,
                user=args.user,
                password=args.password,
                timeout=args.timeout,
                until=lambda rows: ALL_QUEUES <= rows.keys() and not unconsumed(rows),
            )
        )
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"{len(rows)} queues listed in virtual host {args.vhost!r}")
    if found := problems(rows):
        for problem in found:
            print(problem, file=sys.stderr)
        print(f"{args.out} left as it was; this page is in {ATTEMPT}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(ATTEMPT, args.out)
    print(f"screenshot: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
