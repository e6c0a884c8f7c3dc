"""Headers of a delivery made fit to be published again (to `.retry` or `.dlq`).

A delivery's headers come as pamqp decoded them, and pamqp cannot always encode what it decoded: a
`longstr` that is not UTF-8 is decoded as `bytes`, which it refuses to encode (TypeError); a double too
large for the single-precision float it writes floats as raises OverflowError. Republishing such a
message would fail for ever. Each value is tried with pamqp's own encoder, so exactly what it refuses
is changed, and nothing else: bytes become a byte array (AMQP's `x`, the same bytes), tables and arrays
are mended inside, anything else left becomes its printable form.
"""

import struct
from collections.abc import Mapping
from typing import Any

from pamqp import encode

_REFUSED = (
    TypeError,
    ValueError,
    OverflowError,
    struct.error,
    AttributeError,
)  # AttributeError: a key not str


def republishable(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of `headers` that pamqp can encode."""
    return {str(key): _mend(value) for key, value in (headers or {}).items()}


def _mend(value: Any) -> Any:
    try:
        encode.encode_table_value(value)
        return value
    except _REFUSED:
        pass
    if isinstance(value, bytes):
        return bytearray(value)
    if isinstance(value, dict):
        return republishable(value)
    if isinstance(value, list):
        return [_mend(v) for v in value]
    return ascii(value)
