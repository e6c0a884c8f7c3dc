"""Headers as pamqp decoded them, made encodable again: exactly what pamqp refuses is changed."""

import datetime
import decimal

from hypothesis import given
from hypothesis import strategies as st
from pamqp import encode

from messaging.headers import republishable


def test_bytes_become_a_byte_array_of_the_same_bytes_at_any_depth():
    mended = republishable({"top": b"\xff\xfe", "table": {"in": b"\xc3("}, "array": [b"\x80", 1]})
    assert mended == {
        "top": bytearray(b"\xff\xfe"),
        "table": {"in": bytearray(b"\xc3(")},
        "array": [bytearray(b"\x80"), 1],
    }
    encode.field_table(mended)


def test_what_pamqp_encodes_is_left_as_it_is():
    headers = {
        "x-attempt": 2,
        "text": "ünïcode",
        "flag": True,
        "none": None,
        "ratio": 0.5,
        "amount": decimal.Decimal("1.25"),
        "at": datetime.datetime(2026, 1, 1),
        "x-death": [{"count": 1}],
    }
    assert republishable(headers) == headers


def test_a_double_too_large_for_the_float_pamqp_writes_becomes_text():
    assert republishable({"big": 1e300}) == {"big": "1e+300"}


def test_no_headers_is_an_empty_table():
    assert republishable(None) == {}


# what pamqp can hand a consumer: the values of a decoded table, bytes included
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
    | st.decimals(places=2, min_value=-1000, max_value=1000),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=20), VALUES, max_size=6))
def test_whatever_a_delivery_carries_can_be_published_again(headers):
    encode.field_table(republishable(headers))
