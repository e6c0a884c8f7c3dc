"""Schema versions 1, 2 and 3 of every event: each decodes; an earlier version is written without what a
later one added (inventory.failed's hold_mismatch says out_of_stock in version 1); a body of version N
that carries a field added after N, or any other version, is an InvalidEvent (the consumer dead-letters
it)."""

import json

import pytest

from events import EVENT_CLASSES, LATEST_VERSION, SCHEMA_VERSIONS, InvalidEvent, decode, encode
from tests.unit.samples import every_event, with_added_fields

EVENTS = every_event()
EXTENDED_ALL = [with_added_fields(e) for e in EVENTS]
by_type = pytest.mark.parametrize("event", EXTENDED_ALL, ids=lambda e: e.event_type)
by_version = pytest.mark.parametrize("version", SCHEMA_VERSIONS)
# each payload field a later version added, and that version: the contract the last releases read
ADDED = {
    "order.created": {"hold_id": 2},
    "payment.approved": {"hold_id": 2, "customer_id": 3},
    "inventory.reserved": {"allocations": 2},
    "shipping.scheduled": {"shipments": 2},
}
FIELD_VERSIONS = [(t, f, v) for t, fields in ADDED.items() for f, v in fields.items()]


def as_dict(body: bytes) -> dict:
    return json.loads(body)


def test_the_versions_are_one_two_and_three_and_the_latest_is_three():
    assert SCHEMA_VERSIONS == (1, 2, 3) and LATEST_VERSION == 3


def test_each_added_field_names_the_version_that_added_it():
    payloads = {t: cls.model_fields["payload"].annotation for t, cls in EVENT_CLASSES.items()}
    assert {t: p.ADDED for t, p in payloads.items() if p.ADDED} == ADDED
    for event_type, field, _ in FIELD_VERSIONS:
        assert not payloads[event_type].model_fields[field].is_required()  # an earlier body lacks it


@pytest.mark.parametrize(("event_type", "field", "since"), FIELD_VERSIONS)
def test_a_field_is_missing_from_exactly_the_versions_before_it(event_type, field, since):
    payload_class = EVENT_CLASSES[event_type].model_fields["payload"].annotation
    assert [v for v in SCHEMA_VERSIONS if field in payload_class.added_after(v)] == list(range(1, since))


@by_type
@by_version
def test_a_body_of_each_version_decodes_with_what_that_version_has(event, version):
    body = encode(event, version)
    data, payload_class = as_dict(body), type(event.payload)
    assert data["schema_version"] == version
    assert set(data["payload"]) == set(payload_class.model_fields) - set(payload_class.added_after(version))
    decoded = decode(body, event.event_type)
    assert type(decoded) is EVENT_CLASSES[event.event_type] and decoded.schema_version == version
    assert decoded.payload.newer_than(version) == []
    # what the version has is kept as it was
    kept = {k: v for k, v in as_dict(encode(event))["payload"].items() if k in data["payload"]}
    if not (event.event_type == "inventory.failed" and version == 1):
        assert data["payload"] == kept


@by_type
def test_the_latest_body_decodes_whole(event):
    assert decode(encode(event, LATEST_VERSION), event.event_type) == event


@by_type
def test_writing_the_latest_version_is_the_plain_dump(event):
    """The default path costs what it did before there were versions: one model_dump_json."""
    assert encode(event) == encode(event, LATEST_VERSION) == event.model_dump_json().encode()


@by_type
def test_writing_3_then_2_then_1_is_writing_1(event):
    """A relay of versions (a consumer on 2 that passes on what it read) drops the same fields as a
    producer writing the earlier version at once."""
    v2 = decode(encode(event, 2), event.event_type)
    assert encode(v2, 2) == encode(event, 2)
    v1 = decode(encode(v2, 1), event.event_type)
    assert encode(v1, 1) == encode(event, 1)


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.event_type)
def test_an_event_without_added_fields_is_the_same_in_every_version(event):
    for version in SCHEMA_VERSIONS:
        decoded = decode(encode(event, version), event.event_type)
        assert decoded.model_copy(update={"schema_version": LATEST_VERSION}) == event


def test_hold_mismatch_is_written_as_out_of_stock_in_version_1_only():
    [failed] = [e for e in EXTENDED_ALL if e.event_type == "inventory.failed"]
    assert failed.payload.reason == "hold_mismatch"
    assert as_dict(encode(failed, 3))["payload"]["reason"] == "hold_mismatch"
    assert as_dict(encode(failed, 2))["payload"]["reason"] == "hold_mismatch"
    v1 = decode(encode(failed, 1), "inventory.failed")
    assert v1.payload.reason == "out_of_stock"
    assert v1.payload.shortages == failed.payload.shortages


@pytest.mark.parametrize("reason", ["out_of_stock", "unknown_product"])
def test_the_other_failure_reasons_are_the_same_in_every_version(reason):
    [failed] = [e for e in EVENTS if e.event_type == "inventory.failed"]
    event = failed.model_copy(update={"payload": failed.payload.model_copy(update={"reason": reason})})
    assert {decode(encode(event, v)).payload.reason for v in SCHEMA_VERSIONS} == {reason}


@pytest.mark.parametrize(
    ("event_type", "field", "version"),
    [(t, f, v) for t, f, since in FIELD_VERSIONS for v in range(1, since)]
    + [("inventory.failed", "reason hold_mismatch", 1)],
)
def test_a_body_carrying_a_field_added_after_its_version_is_invalid(event_type, field, version):
    [event] = [e for e in EXTENDED_ALL if e.event_type == event_type]
    data = as_dict(encode(event))
    data["schema_version"] = version
    with pytest.raises(InvalidEvent, match=f"schema_version {version} has no .*{field}"):
        decode(json.dumps(data).encode(), event_type)


def test_a_version_2_payment_approved_naming_its_customer_is_invalid():
    """What the last release's consumers would refuse (extra="forbid"): customer_id is version 3's."""
    [approved] = [e for e in EXTENDED_ALL if e.event_type == "payment.approved"]
    data = as_dict(encode(approved, 2))
    assert "customer_id" not in data["payload"] and "hold_id" in data["payload"]
    data["payload"]["customer_id"] = str(approved.payload.customer_id)
    with pytest.raises(InvalidEvent, match="schema_version 2 has no customer_id"):
        decode(json.dumps(data).encode(), "payment.approved")


@by_type
def test_an_event_read_in_an_earlier_version_cannot_be_written_in_a_later_one(event):
    v1 = decode(encode(event, 1), event.event_type)
    with pytest.raises(ValueError, match="cannot write schema_version 2"):
        encode(v1, 2)


@by_type
@pytest.mark.parametrize("version", [0, 4, 99])
def test_another_version_can_be_neither_written_nor_read(event, version):
    with pytest.raises(ValueError, match=f"schema_version {version}"):
        encode(event, version)
    data = as_dict(encode(event))
    data["schema_version"] = version
    with pytest.raises(InvalidEvent, match="schema_version"):
        decode(json.dumps(data).encode(), event.event_type)
