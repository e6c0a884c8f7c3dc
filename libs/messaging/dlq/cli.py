"""`saga-dlq` / `python -m messaging.dlq`: list, show, replay and purge dead-lettered messages.

  list [QUEUE ...] [--json]         every DLQ (or the named ones): error, attempts, order id, age
  show QUEUE MESSAGE_ID             one message: all its headers and its body
  replay QUEUE (--id ID | --all)    back to the queue that gave up on it (--to-exchange: to the
                                    original exchange and routing key, i.e. to every bound queue)
  purge QUEUE [--id ID] [--yes]     drop messages, after typing the queue name to confirm
  outbox [--refused] [--json]       a service's unsent outbox rows (its DATABASE_URL): event, attempts,
                                    age, next attempt and the broker's last refusal

QUEUE is a consumer queue (`payment.order-created`) or its DLQ (`payment.order-created.dlq`).
"""

import argparse
import asyncio
import os
import sys

import aio_pika
import asyncpg
import orjson

from messaging.dlq import operations
from messaging.dlq.letters import DeadLetter, dlq_of, known_dlqs
from messaging.dlq.outbox import Unsent, unsent
from messaging.errors import PublishError
from messaging.users import DEFAULT_USER_PREFIX

DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="saga-dlq", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument(
        "--url", default=os.environ.get("RABBITMQ_URL", DEFAULT_URL), help="broker URL (RABBITMQ_URL)"
    )
    p.add_argument(
        "--user-prefix",
        default=os.environ.get("RABBITMQ_USER_PREFIX", DEFAULT_USER_PREFIX),
        help="prefix of the broker users (RABBITMQ_USER_PREFIX): a replay is published as its producer's user",
    )
    p.add_argument("--timeout", type=float, default=60.0, help="deadline for the whole command, seconds")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="dead-lettered messages per queue")
    ls.add_argument("queues", nargs="*", metavar="QUEUE")
    ls.add_argument("--json", action="store_true", help="one JSON document per message")
    ls.add_argument("--limit", type=int, default=1000, help="at most this many per queue")
    show = sub.add_parser("show", help="one message with its headers and body")
    show.add_argument("queue", metavar="QUEUE")
    show.add_argument("message_id", metavar="MESSAGE_ID")
    rp = sub.add_parser("replay", help="send messages back to be consumed again")
    rp.add_argument("queue", metavar="QUEUE")
    which = rp.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", dest="message_id")
    which.add_argument("--all", action="store_true")
    rp.add_argument("--to-exchange", action="store_true", help="publish to the original exchange and key")
    rp.add_argument("--limit", type=int, default=10_000)
    pg = sub.add_parser("purge", help="drop messages for good")
    pg.add_argument("queue", metavar="QUEUE")
    pg.add_argument("--id", dest="message_id")
    pg.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    ob = sub.add_parser("outbox", help="a service's unsent outbox rows, and why the broker refused them")
    ob.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="the service's database (DATABASE_URL, as the service reads it)",
    )
    ob.add_argument("--refused", action="store_true", help="only rows the broker refused")
    ob.add_argument("--json", action="store_true", help="one JSON document per row")
    ob.add_argument("--limit", type=int, default=1000, help="at most this many rows, oldest first")
    return p


def _row(letter: DeadLetter) -> str:
    age = f"{letter.age_s:.0f}s" if letter.age_s is not None else "?"
    error = (letter.error or "").replace("\n", " ")
    return (
        f"  {age:>7}  {letter.attempts or '?':>3}  {letter.reason or '?':<18}  {letter.order_id or '-':<36}"
        f"  {letter.message_id or '-':<36}  {error[:100]}"
    )


def _print_json(data: object) -> None:
    print(
        orjson.dumps(
            data, option=orjson.OPT_INDENT_2 if isinstance(data, dict) and "body" in data else 0
        ).decode()
    )


async def _list(conn: aio_pika.abc.AbstractConnection, args: argparse.Namespace) -> int:
    dlqs = [dlq_of(q) for q in args.queues] or known_dlqs()
    total = 0
    for dlq in dlqs:
        letters = await operations.list_letters(conn, dlq, args.limit)
        total += len(letters)
        for letter in letters if args.json else ():
            _print_json(letter.summary())
        if letters and not args.json:
            print(f"{dlq}: {len(letters)} message(s)")
            print(f"  {'AGE':>7}  {'TRY':>3}  {'REASON':<18}  {'ORDER_ID':<36}  {'MESSAGE_ID':<36}  ERROR")
            print("\n".join(_row(letter) for letter in letters))
    if not args.json:
        print(f"{total} dead-lettered message(s) in {len(dlqs)} DLQ(s)")
    return 0


async def _show(conn: aio_pika.abc.AbstractConnection, args: argparse.Namespace) -> int:
    letter = await operations.find(conn, dlq_of(args.queue), args.message_id)
    if letter is None:
        print(f"no message {args.message_id} in {dlq_of(args.queue)}", file=sys.stderr)
        return 1
    _print_json(letter.detail())
    return 0


async def _replay(conn: aio_pika.abc.AbstractConnection, args: argparse.Namespace) -> int:
    dlq = dlq_of(args.queue)
    done = await operations.replay(
        conn,
        dlq,
        args.message_id,
        to_exchange=args.to_exchange,
        limit=args.limit,
        user_prefix=args.user_prefix,
        on_replayed=lambda letter: print(
            f"replayed {letter.message_id} (order {letter.order_id or '-'}) from {dlq}"
        ),
    )
    print(f"{len(done)} message(s) replayed")
    return 0 if done or args.all else 1


async def _purge(conn: aio_pika.abc.AbstractConnection, args: argparse.Namespace) -> int:
    dlq = dlq_of(args.queue)
    what = (
        f"message {args.message_id}"
        if args.message_id
        else f"all {await operations.count(conn, dlq)} message(s)"
    )
    if not args.yes:
        try:
            answer = await asyncio.to_thread(input, f"Purge {what} from {dlq}? Type {dlq} to confirm: ")
        except EOFError:
            answer = ""
        if answer.strip() != dlq:
            print("not confirmed; nothing purged")
            return 1
    print(f"{await operations.purge(conn, dlq, args.message_id)} message(s) purged from {dlq}")
    return 0


def _unsent_row(row: Unsent) -> str:
    nxt = (
        "-"
        if row.next_attempt_in_s is None
        else "due"
        if row.next_attempt_in_s <= 0
        else f"{row.next_attempt_in_s:.0f}s"
    )
    error = (row.last_error or "").replace("\n", " ")
    return (
        f"  {row.age_s:>7.0f}s  {row.attempts:>3}  {nxt:>7}  {row.event_type:<22}  {row.event_id!s:<36}"
        f"  {error[:100]}"
    )


async def _outbox(args: argparse.Namespace) -> int:
    if not args.database_url:
        raise ValueError("outbox needs the service's database: --database-url or DATABASE_URL")
    conn = await asyncpg.connect(args.database_url, timeout=10)
    try:
        rows = await unsent(conn, args.limit, args.refused)
    finally:
        await conn.close()
    if args.json:
        for row in rows:
            _print_json(row.summary())
        return 0
    if rows:
        print(f"  {'AGE':>8}  {'TRY':>3}  {'NEXT':>7}  {'EVENT_TYPE':<22}  {'EVENT_ID':<36}  LAST_ERROR")
        print("\n".join(_unsent_row(row) for row in rows))
    refused = sum(1 for row in rows if row.next_attempt_at is not None)
    print(f"{len(rows)} unsent outbox row(s), {refused} refused by the broker")
    return 0


COMMANDS = {"list": _list, "show": _show, "replay": _replay, "purge": _purge}  # over AMQP


async def run(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        async with asyncio.timeout(args.timeout):
            if args.command == "outbox":  # the database, not the broker
                return await _outbox(args)
            conn = await aio_pika.connect(
                args.url, timeout=10, client_properties={"connection_name": "saga-dlq"}
            )
            async with conn:
                return await COMMANDS[args.command](conn, args)
    except ValueError as exc:
        print(f"saga-dlq: {exc}", file=sys.stderr)
        return 2
    except TimeoutError:
        print(f"saga-dlq: gave up after {args.timeout}s", file=sys.stderr)
        return 1
    except (aio_pika.exceptions.AMQPError, PublishError, OSError, asyncpg.PostgresError) as exc:
        print(f"saga-dlq: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> None:
    sys.exit(asyncio.run(run(argv)))
