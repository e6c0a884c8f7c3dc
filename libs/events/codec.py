"""Bytes <-> events. Anything that does not parse is an InvalidEvent: permanent, never retried."""

from typing import Annotated

import orjson
from pydantic import Field, TypeAdapter, ValidationError

from events.catalog import LATEST_VERSION, SCHEMA_VERSIONS, AnyEvent, Event

MAX_EVENT_BYTES = 256 * 1024

_ANY_EVENT: TypeAdapter[AnyEvent] = TypeAdapter(Annotated[AnyEvent, Field(discriminator="event_type")])


class InvalidEvent(ValueError):
    """The message is not a valid event of a known type and schema version."""


def encode(event: Event, version: int = LATEST_VERSION) -> bytes:
    """The event as schema `version` writes it (a producer's EVENT_SCHEMA_VERSION): an earlier version
    without the fields a later one added (catalog.Strict.as_version). An event type newer than `version`
    cannot be written in it (ValueError): its producer refuses the change that would emit it instead."""
    if version < event.SINCE:
        raise ValueError(f"{event.event_type} does not exist in schema_version {version}")
    if version == event.schema_version == LATEST_VERSION:
        return event.model_dump_json().encode()  # the hot path: a new event, as it is
    if version > event.schema_version or version not in SCHEMA_VERSIONS:
        raise ValueError(f"cannot write schema_version {version} of a version {event.schema_version} event")
    data = event.model_dump(mode="json")
    data["schema_version"], data["payload"] = (
        version,
        type(event.payload).as_version(data["payload"], version),
    )
    return orjson.dumps(data)


def decode(body: bytes, expected_type: str | None = None) -> AnyEvent:
    if len(body) > MAX_EVENT_BYTES:
        raise InvalidEvent(f"message of {len(body)} bytes exceeds {MAX_EVENT_BYTES}")
    try:
        event = _ANY_EVENT.validate_json(body)
    except ValidationError as exc:
        errors = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)[:5]
        )
        raise InvalidEvent(errors) from None
    if expected_type is not None and event.event_type != expected_type:
        raise InvalidEvent(f"queue expects {expected_type}, got {event.event_type}")
    return event
