"""The one parser of query parameters and header values (runtime/params.py), and JSON integers
(runtime/http.py's JsonInt): each accepts what its schema states and refuses the rest with
InvalidParameter, never another exception; property-checked against the schemas with hypothesis."""

import base64
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from runtime import params
from runtime.http import JsonInt

SEEDED = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@SEEDED
@given(st.text(max_size=30))
def test_an_integer_is_what_its_schema_says_and_nothing_else(raw: str) -> None:
    accepted = re.fullmatch(r"-?[0-9]+", raw) is not None and 1 <= int(raw) <= 100
    try:
        value = params.integer({"limit": raw}, "limit", 20, 1, 100)
    except params.InvalidParameter as exc:
        assert not accepted and exc.field == "limit"
    else:
        assert accepted and value == int(raw)


@pytest.mark.parametrize("raw", ["²", "１２", "٣", " 5", "5 ", "+5", "1_0", "1.0", "", "-0", "10" * 20])
def test_what_int_and_isdigit_take_is_refused(raw: str) -> None:
    with pytest.raises(params.InvalidParameter):
        params.integer({"limit": raw}, "limit", 20, 1, 100)


def test_absent_is_the_default_and_leading_zeros_are_the_number():
    assert params.integer({}, "limit", 20, 1, 100) == 20
    assert params.integer({}, "cursor", None, 0, 10) is None
    assert params.integer({"limit": "0" * 40 + "7"}, "limit", 20, 1, 100) == 7


@SEEDED
@given(st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()), st.text(max_size=40)))
def test_a_uuid_is_the_8_4_4_4_12_form_only(raw: str) -> None:
    canonical = re.fullmatch(params.UUID_SCHEMA["pattern"], raw) is not None
    try:
        assert params.uuid(raw, "id") == UUID(raw) and canonical
    except params.InvalidParameter:
        assert not canonical


@pytest.mark.parametrize("raw", ["{%s}", "urn:uuid:%s", "%sx"])
def test_other_uuid_spellings_are_refused(raw: str) -> None:
    with pytest.raises(params.InvalidParameter):
        params.uuid(raw % uuid4(), "id")
    with pytest.raises(params.InvalidParameter):
        params.uuid("\u0660" * 32, "id")  # Arabic-Indic zeros: UUID() takes them


@SEEDED
@given(st.text(max_size=300))
def test_a_header_is_printable_ascii_of_bounded_length(raw: str) -> None:
    ok = re.fullmatch(params.header_schema(255)["pattern"], raw) is not None and len(raw) <= 255
    try:
        assert params.header({"Idempotency-Key": raw}, "Idempotency-Key", 255) == raw and ok
    except params.InvalidParameter as exc:
        assert not ok and exc.field == "Idempotency-Key"


def test_a_header_of_undecodable_bytes_is_refused():
    as_aiohttp_reads_it = b"k\xff\xfe".decode("utf-8", "surrogateescape")
    with pytest.raises(params.InvalidParameter):
        params.header({"Idempotency-Key": as_aiohttp_reads_it}, "Idempotency-Key", 255)
    assert params.header({}, "Idempotency-Key", 255) is None


def _after(parts: list[str]) -> tuple[datetime, UUID]:
    at, order_id = parts
    return params.timestamp(at), params.uuid(order_id, "cursor")


def test_a_cursor_reads_back_what_it_wrote():
    at, order_id = datetime(2026, 12, 2, 5, 16, 31, 123456, tzinfo=UTC), uuid4()
    raw = params.encode_cursor(at.isoformat(), str(order_id))
    assert re.fullmatch(params.CURSOR_SCHEMA["pattern"], raw) and len(raw) <= params.CURSOR_MAX
    assert params.cursor({"cursor": raw}, "cursor", _after) == (at, order_id)
    assert params.cursor({}, "cursor", _after) is None


@SEEDED
@given(
    st.one_of(
        st.text(max_size=60),
        st.binary(max_size=60).map(lambda b: base64.urlsafe_b64encode(b).decode()),
        st.builds(
            lambda at, offset, u: base64.urlsafe_b64encode(
                f"{at.replace(tzinfo=timezone(offset)).isoformat()}|{u}".encode()
            ).decode(),
            st.one_of(st.sampled_from([datetime.min, datetime.max]), st.datetimes()),
            st.timedeltas(-timedelta(hours=23, minutes=59), timedelta(hours=23, minutes=59)),
            st.uuids(),
        ),
    )
)
def test_any_cursor_is_a_time_in_utc_years_1_to_9999_or_invalid_parameter(raw: str) -> None:
    try:
        decoded = params.cursor({"cursor": raw}, "cursor", _after)
    except params.InvalidParameter as exc:
        assert exc.field == "cursor"
    else:
        assert decoded is not None and decoded[0].utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-01-01T00:00:00"]
)
def test_a_cursor_time_postgresql_cannot_take_or_without_offset_is_refused(at: str) -> None:
    with pytest.raises(params.InvalidParameter):
        params.cursor({"cursor": params.encode_cursor(at, str(uuid4()))}, "cursor", _after)


class Line(BaseModel):
    quantity: JsonInt = Field(ge=1, le=10)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4, 4),
        (Decimal("4.0"), 4),
        (Decimal("4E0"), 4),
        (Decimal("0.4E1"), 4),
        (4.0, 4),
        (Decimal("-0.0E1"), None),
        (Decimal("4.5"), None),
        (True, None),
        ("4", None),
        (None, None),
        (Decimal("1E+999999999"), None),
        (Decimal("1E-999999999"), None),
        (Decimal("11.0"), None),
        (4.5, None),
        (float("inf"), None),
    ],
)
def test_a_json_integer_is_an_integer_valued_number(value: object, expected: int | None) -> None:
    try:
        assert Line.model_validate({"quantity": value}).quantity == expected
    except ValidationError:
        assert expected is None
    assert Line.model_json_schema()["properties"]["quantity"]["type"] == "integer"
