"""The events codec: a round trip keeps every event whole; anything that is not a valid event of a
known type and schema version is an InvalidEvent (which the consumer dead-letters at once)."""

import json
from decimal import Decimal

import pytest

from events import EVENT_CLASSES, LATEST_VERSION, InvalidEvent, InventoryPriceChanged, decode, encode
from events.codec import MAX_EVENT_BYTES
from tests.unit.samples import every_event, order_created, orderless_events, price_changed


def as_dict(event) -> dict:
    return json.loads(encode(event))


def body(data: dict) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize("event", every_event() + orderless_events(), ids=lambda e: e.event_type)
def test_every_event_survives_a_round_trip(event):
    decoded = decode(encode(event), event.event_type)
    assert decoded == event
    assert type(decoded) is EVENT_CLASSES[event.event_type]


def test_the_sample_covers_every_event_type():
    assert {e.event_type for e in every_event() + orderless_events()} == set(EVENT_CLASSES)


def test_the_envelope_is_on_the_wire():
    event = order_created("99.80")
    data = as_dict(event)
    assert set(data) == {
        "event_id",
        "event_type",
        "schema_version",
        "occurred_at",
        "order_id",
        "causation_id",
        "producer",
        "payload",
    }
    assert data["event_type"] == "order.created" and data["producer"] == "order"
    assert data["schema_version"] == LATEST_VERSION and data["event_id"] == str(event.event_id)


def test_money_travels_as_a_decimal_string():
    data = as_dict(order_created("99.80"))
    assert data["payload"]["total_amount"] == "99.80"
    assert data["payload"]["items"][0]["unit_price"] == "49.90"
    assert b"99.8," not in encode(order_created("99.80"))


def test_money_keeps_its_cents_exactly():
    data = as_dict(order_created("0.30"))
    data["payload"]["total_amount"] = "0.1"
    assert decode(body(data)).payload.total_amount == Decimal("0.10")


@pytest.mark.parametrize("amount", [99.8, "99.805", "NaN", "Infinity", "-Infinity", "ten", True, "1e999999"])
def test_money_that_is_a_float_or_not_exact_is_refused(amount):
    data = as_dict(order_created())
    data["payload"]["total_amount"] = amount
    with pytest.raises(InvalidEvent):
        decode(body(data))


def test_an_unknown_event_type_is_invalid():
    data = as_dict(order_created())
    data["event_type"] = "order.teleported"
    with pytest.raises(InvalidEvent):
        decode(body(data))


@pytest.mark.parametrize("version", [0, 4, "1", None])
def test_another_schema_version_is_invalid(version):
    data = as_dict(order_created())
    data["schema_version"] = version
    with pytest.raises(InvalidEvent, match="schema_version"):
        decode(body(data))


@pytest.mark.parametrize("where", ["envelope", "payload", "item"])
def test_extra_fields_are_invalid(where):
    data = as_dict(order_created())
    target = {"envelope": data, "payload": data["payload"], "item": data["payload"]["items"][0]}[where]
    target["surprise"] = 1
    with pytest.raises(InvalidEvent, match="surprise"):
        decode(body(data))


@pytest.mark.parametrize(
    "path, value",
    [
        (("event_id",), "not-a-uuid"),
        (("order_id",), 42),
        (("occurred_at",), "yesterday"),
        (("causation_id",), []),
        (("payload",), ["a", "list"]),
        (("payload", "items"), []),
        (("payload", "items"), "many"),
        (("payload", "customer_id"), None),
        (("payload", "items", 0, "quantity"), "many"),
        (("payload", "items", 0, "quantity"), 0),
        (("payload", "items", 0, "quantity"), 2.5),
        (("payload", "items", 0, "quantity"), 2**63),
    ],
)
def test_wrong_types_are_invalid(path, value):
    data = as_dict(order_created())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidEvent):
        decode(body(data))


@pytest.mark.parametrize("missing", ["event_id", "event_type", "order_id", "payload", "occurred_at"])
def test_a_missing_envelope_field_is_invalid(missing):
    data = as_dict(order_created())
    del data[missing]
    with pytest.raises(InvalidEvent):
        decode(body(data))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"{",
        b"[]",
        b"null",
        b"42",
        b'"order.created"',
        b"\xff\xfe\x00",
        b"{'single': 'quotes'}",
        encode(order_created())[:-10],
        b"[" * 100_000,
    ],
)
def test_what_is_not_json_or_not_an_object_is_invalid(raw):
    with pytest.raises(InvalidEvent):
        decode(raw)


def test_an_oversized_message_is_invalid_before_it_is_parsed():
    data = as_dict(order_created())
    data["payload"]["payment_method"] = "x" * MAX_EVENT_BYTES
    with pytest.raises(InvalidEvent, match="exceeds"):
        decode(body(data))


def test_an_event_on_the_wrong_queue_is_invalid():
    with pytest.raises(InvalidEvent, match="expects payment.approved"):
        decode(encode(order_created()), "payment.approved")


def test_an_invalid_event_message_names_the_field():
    data = as_dict(order_created())
    data["payload"]["items"][0]["quantity"] = -1
    with pytest.raises(InvalidEvent, match=r"payload\.items\.0\.quantity"):
        decode(body(data))


def test_an_event_of_no_order_carries_a_null_order_id_and_refuses_one():
    data = as_dict(price_changed())
    assert data["order_id"] is None and data["payload"]["price"] == "49.90"
    data["order_id"] = str(order_created().order_id)
    with pytest.raises(InvalidEvent):
        decode(body(data))


def test_a_saga_event_without_an_order_id_is_invalid():
    data = as_dict(order_created())
    data["order_id"] = None
    with pytest.raises(InvalidEvent):
        decode(body(data))


@pytest.mark.parametrize("version", [1, 2])
def test_an_event_type_of_version_3_does_not_exist_before_it(version):
    """inventory.price_changed came with version 3: a producer writing version 1 or 2 cannot write it, and
    a body of it in either is invalid (the last release's consumers know no such event)."""
    assert InventoryPriceChanged.SINCE == 3
    with pytest.raises(ValueError, match=f"does not exist in schema_version {version}"):
        encode(price_changed(), version)
    data = as_dict(price_changed())
    data["schema_version"] = version
    with pytest.raises(InvalidEvent, match="exists only from schema_version 3"):
        decode(body(data))


@pytest.mark.parametrize("price", ["0", "0.00", "-1.00", "49.901", 49.9])
def test_a_price_change_needs_a_positive_price_in_cents(price):
    data = as_dict(price_changed())
    data["payload"]["price"] = price
    with pytest.raises(InvalidEvent):
        decode(body(data))
