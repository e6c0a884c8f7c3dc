"""`make token`: print a development bearer token signed by var/auth's key (made if missing), the token
alone on the last line; `--env` prints instead what the services need to accept such tokens.

python -m stack.mint [--dir var/auth] [--sub UUID] [--scopes "orders:write orders:read"] [--ttl 12h]
"""

import argparse
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from runtime.auth import scopes
from runtime.settings import parse_duration
from stack.tokens import DEMO_CUSTOMER, LOCAL_DIR, Signer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=LOCAL_DIR, help="where the signing key is kept")
    parser.add_argument("--sub", default=str(DEMO_CUSTOMER), help="subject and customer id (a UUID)")
    parser.add_argument("--scopes", default=" ".join(sorted(scopes.CUSTOMER)), help="space separated")
    parser.add_argument("--ttl", default="12h", help="lifetime: 30m, 12h, ...")
    parser.add_argument("--env", action="store_true", help="print AUTH_* settings for the services")
    args = parser.parse_args(argv)
    signer = Signer.at(args.dir)
    if args.env:
        print("\n".join(f"{k}={v}" for k, v in signer.env().items()))
        return 0
    try:
        subject = uuid.UUID(args.sub)
    except ValueError:
        print(f"SUB must be a UUID (the customer id), not {args.sub!r}", file=sys.stderr)
        return 2
    granted = args.scopes.split()
    if unknown := sorted(set(granted) - scopes.ALL):
        print(f"unknown scopes {unknown}; known: {' '.join(sorted(scopes.ALL))}", file=sys.stderr)
        return 2
    ttl = parse_duration(args.ttl)
    until = (datetime.now(UTC) + ttl).isoformat(timespec="seconds")
    print(f"# sub={subject} scopes={' '.join(sorted(granted))} expires={until}")
    print(signer.mint(subject, granted, ttl.total_seconds()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
