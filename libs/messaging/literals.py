"""SQL literals for statements that must go in one simple query (no parameters) with BEGIN or COMMIT,
so that they cost no round trip of their own. Only our own values are written out: uuids, names."""

import functools
import re
from uuid import UUID

# what our queue, exchange and event names are made of (`payment.order-created.dlq`); nothing else may
# become a text literal, so no user text can ever reach one
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")


@functools.lru_cache(maxsize=512)  # a few dozen names, written out on every commit
def text(value: str) -> str:
    """A string literal of one of our names, the same whatever standard_conforming_strings and
    backslash_quote say; anything that is not such a name raises ValueError."""
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise ValueError(f"not a queue, exchange or event name: {value!r}")
    # a name holds no quote nor backslash; a quote is doubled all the same, the one spelling every setting reads
    return "'" + value.replace("'", "''") + "'"


def optional_uuid(value: UUID | None) -> str:
    """A uuid literal, or NULL (an event that belongs to no order has no order id)."""
    return "NULL" if value is None else uuid(value)


def uuid(value: UUID) -> str:
    """A uuid literal; anything that is not a UUID is parsed as one first, so only a uuid reaches the SQL."""
    return f"'{value if isinstance(value, UUID) else UUID(value)}'::uuid"
