"""The one parser of query parameters, path segments and header values: typed helpers that raise
InvalidParameter (a 422 in the error shape, see runtime.http), and the OpenAPI schema of each.

Hand-written because every library parse we had was wider than the documents: str.isdigit() and int()
take "²" and "１２", UUID() takes "{...}" and Arabic-Indic digits, fromisoformat() takes years that
PostgreSQL cannot store. Here each value must match the pattern its schema states, and nothing else.
"""

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

T = TypeVar("T")
D = TypeVar("D", int, None)
# 18 significant digits: always within a bigint, never a huge int() to build (leading zeros are still 0)
INTEGER = re.compile(r"(-?)0*([0-9]{1,18})")
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
UUID_SCHEMA = {"type": "string", "format": "uuid", "pattern": f"^{UUID_TEXT.pattern}$"}
CURSOR_MAX = 200
CURSOR_TEXT = re.compile(r"[A-Za-z0-9_-]+={0,2}")  # base64url: what encode_cursor writes
CURSOR_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": CURSOR_MAX,
    "pattern": f"^{CURSOR_TEXT.pattern}$",
    "description": "opaque: the next_cursor of the previous page; any other value is answered 422",
}
PRINTABLE = r"[\x20-\x7e]"  # the header values we read: visible ASCII and space (RFC 9110's field-vchar, SP)


class InvalidParameter(ValueError):
    """One bad query parameter, path segment or header: `field` names it, `message` says what fits."""

    def __init__(self, field: str, message: str, code: str = "validation_failed") -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.code = field, message, code


def whole(raw: str) -> int:
    """Decimal ASCII digits with an optional minus, at most 18 past the leading zeros; ValueError otherwise."""
    if (found := INTEGER.fullmatch(raw)) is None:
        raise ValueError(f"{raw!r} is not an integer")
    return int(found.group(1) + found.group(2))


def integer(query: Mapping[str, str], name: str, default: D, low: int, high: int) -> int | D:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = whole(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise InvalidParameter(name, f"{name} must be an integer from {low} to {high}")
    return value


def integer_schema(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


def choice(query: Mapping[str, str], name: str, choices: Sequence[str]) -> str | None:
    raw = query.get(name)
    if raw is not None and raw not in choices:
        raise InvalidParameter(name, f"{name} must be one of {', '.join(choices)}")
    return raw


def uuid(raw: str, name: str) -> UUID:
    if UUID_TEXT.fullmatch(raw) is None:
        raise InvalidParameter(name, f"{name} must be a UUID (8-4-4-4-12 hexadecimal digits)")
    return UUID(raw)


def header(headers: Mapping[str, str], name: str, max_length: int) -> str | None:
    """A header of 1 to `max_length` visible ASCII characters (spaces inside), or None when absent.

    aiohttp hands over bytes that are not UTF-8 as lone surrogates, which no database or log can
    encode: refusing all but ASCII here means nothing further on meets them."""
    raw = headers.get(name)
    if raw is not None and (re.fullmatch(f"{PRINTABLE}{{1,{max_length}}}", raw) is None):
        raise InvalidParameter(name, f"{name} must be 1 to {max_length} printable ASCII characters")
    return raw


def header_schema(max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": f"^{PRINTABLE}+$"}


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode()


def cursor(query: Mapping[str, str], name: str, decode: Callable[[list[str]], T]) -> T | None:
    """The cursor `encode_cursor` wrote, its parts read by `decode`, which raises ValueError (or
    OverflowError) for parts that are not its own; None when absent."""
    raw = query.get(name)
    if raw is None:
        return None
    try:
        if len(raw) > CURSOR_MAX or CURSOR_TEXT.fullmatch(raw) is None:
            raise ValueError(raw)
        return decode(base64.urlsafe_b64decode(raw).decode("ascii").split("|"))
    except (ValueError, OverflowError, binascii.Error):  # UnicodeDecodeError is a ValueError
        raise InvalidParameter(name, "use the next_cursor of a previous page") from None


def timestamp(raw: str) -> datetime:
    """An ISO 8601 time with its offset, in UTC: raises OverflowError where UTC leaves years 1 to 9999
    (Python's range, inside PostgreSQL's), ValueError where it is not one."""
    at = datetime.fromisoformat(raw)
    if at.tzinfo is None:
        raise ValueError(f"{raw} has no UTC offset")
    return at.astimezone(UTC)
