"""literals.text writes only our own names, as a literal every PostgreSQL setting reads the same way."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging import literals
from messaging.topology import BINDINGS

NAMES = sorted({n for b in BINDINGS for n in (b.queue, b.retry_queue, b.dlq, b.exchange, b.event_type)})


@pytest.mark.parametrize("name", NAMES)
def test_every_name_of_the_topology_is_written_plainly(name):
    assert literals.text(name) == f"'{name}'"


@pytest.mark.parametrize(
    "value",
    [
        "it's",
        "O''Brien",
        "back\\slash",
        "\\'",
        "",
        " padded",
        "a b",
        "semi;colon",
        "new\nline",
        "nul\x00",
        "café",
        "x" * 256,
        "'; DROP TABLE outbox; --",
    ],
)
def test_anything_else_is_refused(value):
    with pytest.raises(ValueError, match="not a queue, exchange or event name"):
        literals.text(value)


@pytest.mark.parametrize("value", [None, 5, b"order.created"])
def test_a_value_that_is_not_text_is_refused(value):
    with pytest.raises(ValueError):
        literals.text(value)


@given(st.text())
def test_no_text_becomes_a_literal_with_a_quote_or_backslash_inside(value):
    try:
        written = literals.text(value)
    except ValueError:
        return
    assert written == f"'{value}'" and "'" not in value and "\\" not in value
