"""Schema versions 1 and 2 of every event: both decode; version 1 is written without what version 2 added
(inventory.failed's hold_mismatch says out_of_stock); a version-1 body that carries a version-2 field, or
any other version, is an InvalidEvent (the consumer dead-letters it)."""

import json

import pytest

from events import EVENT_CLASSES, LATEST_VERSION, SCHEMA_VERSIONS, InvalidEvent, decode, encode
from tests.unit.samples import every_event, with_v2_fields

EVENTS = every_event()
WITH_V2 = [with_v2_fields(e) for e in EVENTS]
EXTENDED = [e for e in WITH_V2 if e.payload.v2_only()]  # the types version 2 added something to
by_type = pytest.mark.parametrize("event", WITH_V2, ids=lambda e: e.event_type)


def as_dict(body: bytes) -> dict:
    return json.loads(body)


def test_the_versions_are_one_and_two_and_the_latest_is_two():
    assert SCHEMA_VERSIONS == (1, 2) and LATEST_VERSION == 2


def test_version_two_adds_to_exactly_these_events():
    assert {e.event_type for e in EXTENDED} == {
        "order.created",
        "payment.approved",
        "inventory.reserved",
        "inventory.failed",
        "shipping.scheduled",
    }


@by_type
def test_a_version_2_body_decodes_whole(event):
    body = encode(event, 2)
    assert as_dict(body)["schema_version"] == 2
    assert decode(body, event.event_type) == event


@by_type
def test_writing_the_latest_version_is_the_plain_dump(event):
    """The default path costs what it did before there were versions: one model_dump_json."""
    assert encode(event) == encode(event, LATEST_VERSION) == event.model_dump_json().encode()


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.event_type)
def test_a_version_1_body_decodes_to_the_same_event_at_version_1(event):
    decoded = decode(encode(event, 1), event.event_type)
    assert type(decoded) is EVENT_CLASSES[event.event_type] and decoded.schema_version == 1
    assert decoded.model_copy(update={"schema_version": 2}) == event


@by_type
def test_version_1_is_written_without_the_version_2_fields(event):
    payload_class = type(event.payload)
    data = as_dict(encode(event, 1))
    assert data["schema_version"] == 1
    assert not set(data["payload"]) & set(payload_class.V2_FIELDS)
    assert set(data["payload"]) == set(payload_class.model_fields) - set(payload_class.V2_FIELDS)
    decoded = decode(encode(event, 1), event.event_type)
    assert decoded.payload.v2_only() == []
    # what version 1 has is kept as it was
    kept = {k: v for k, v in as_dict(encode(event, 2))["payload"].items() if k not in payload_class.V2_FIELDS}
    if event.event_type != "inventory.failed":
        assert data["payload"] == kept


def test_hold_mismatch_is_written_as_out_of_stock_in_version_1():
    [failed] = [e for e in WITH_V2 if e.event_type == "inventory.failed"]
    assert failed.payload.reason == "hold_mismatch"
    assert as_dict(encode(failed, 2))["payload"]["reason"] == "hold_mismatch"
    v1 = decode(encode(failed, 1), "inventory.failed")
    assert v1.payload.reason == "out_of_stock"
    assert v1.payload.shortages == failed.payload.shortages


@pytest.mark.parametrize("reason", ["out_of_stock", "unknown_product"])
def test_the_other_failure_reasons_are_the_same_in_both_versions(reason):
    [failed] = [e for e in EVENTS if e.event_type == "inventory.failed"]
    event = failed.model_copy(update={"payload": failed.payload.model_copy(update={"reason": reason})})
    assert decode(encode(event, 1)).payload.reason == reason


@pytest.mark.parametrize("event", EXTENDED, ids=lambda e: e.event_type)
def test_a_version_1_body_carrying_a_version_2_field_is_invalid(event):
    data = as_dict(encode(event, 2))
    data["schema_version"] = 1
    with pytest.raises(InvalidEvent, match="schema_version 1 has no"):
        decode(json.dumps(data).encode(), event.event_type)


@by_type
@pytest.mark.parametrize("version", [0, 3, 99])
def test_another_version_can_be_neither_written_nor_read(event, version):
    with pytest.raises(ValueError, match=f"schema_version {version}"):
        encode(event, version)
    data = as_dict(encode(event, 2))
    data["schema_version"] = version
    with pytest.raises(InvalidEvent, match="schema_version"):
        decode(json.dumps(data).encode(), event.event_type)
