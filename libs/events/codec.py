"""Bytes <-> events. Anything that does not parse is an InvalidEvent: permanent, never retried."""

from typing import Annotated

from pydantic import Field, TypeAdapter, ValidationError

from events.catalog import AnyEvent, Event

MAX_EVENT_BYTES = 256 * 1024

_ANY_EVENT: TypeAdapter[AnyEvent] = TypeAdapter(Annotated[AnyEvent, Field(discriminator="event_type")])


class InvalidEvent(ValueError):
    """The message is not a valid event of a known type and schema version."""


def encode(event: Event) -> bytes:
    return event.model_dump_json().encode()


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
