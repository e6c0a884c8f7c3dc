"""`python -m messaging.definitions`: write the broker's definitions document, or import it.

Each user's password comes from RABBITMQ_<ROLE>_PASSWORD (ORDER, PAYMENT, INVENTORY, SHIPPING,
OPERATOR) or, with --secrets-dir, from the file `rabbitmq-<role>` there, made once with a random
password when missing (runtime.secret_files, as the database roles' passwords are). The document holds password
hashes: it is written with mode 600 and never committed.

  python -m messaging.definitions --vhost / --out var/rabbitmq/definitions.json
  python -m messaging.definitions --secrets-dir var/secrets --import-to http://saga-operator:...@127.0.0.1:15672
"""

import argparse
import asyncio
import os
import sys
from pathlib import Path

import orjson

from messaging.definitions.document import definitions
from messaging.definitions.load import import_definitions
from messaging.users import DEFAULT_USER_PREFIX, ROLES
from runtime.secret_files import stored_secret


def password_variable(role: str) -> str:
    return f"RABBITMQ_{role.upper()}_PASSWORD"


def passwords(secrets_dir: Path | None) -> dict[str, str]:
    if secrets_dir is not None:
        return {role: stored_secret(f"rabbitmq-{role}", secrets_dir) for role in ROLES}
    return {role: os.environ.get(password_variable(role), "") for role in ROLES}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m messaging.definitions",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    p.add_argument("--vhost", default="/", help="the virtual host (default /)")
    p.add_argument(
        "--user-prefix",
        default=os.environ.get("RABBITMQ_USER_PREFIX", DEFAULT_USER_PREFIX),
        help="prefix of the users' names (RABBITMQ_USER_PREFIX, default saga-)",
    )
    p.add_argument(
        "--queue-type", default=os.environ.get("QUEUE_TYPE", "classic"), choices=("classic", "quorum")
    )
    p.add_argument(
        "--secrets-dir", type=Path, help="passwords from rabbitmq-<role> files here (made if missing)"
    )
    p.add_argument("--out", type=Path, help="write the document here (mode 600); default: standard output")
    p.add_argument("--import-to", metavar="API_URL", help="import it: http://admin:password@host:15672")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        document = definitions(args.vhost, args.user_prefix, passwords(args.secrets_dir), args.queue_type)
    except (ValueError, OSError) as exc:
        print(f"messaging.definitions: {exc}", file=sys.stderr)
        return 2
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(text)
    elif not args.import_to:
        sys.stdout.write(text.decode() + "\n")
    if args.import_to:
        try:
            asyncio.run(import_definitions(args.import_to, document))
        except (RuntimeError, OSError, TimeoutError) as exc:
            print(f"messaging.definitions: {exc}", file=sys.stderr)
            return 1
    return 0
