"""Fakes shared by the handler unit tests: a unit of work with no database behind it."""

from events import Event


class FakeUnitOfWork:
    """What a handler sees of a UnitOfWork: a connection (unused by fake repositories) and an outbox."""

    def __init__(self) -> None:
        self.conn = object()
        self.outbox: list[Event] = []
        self.after_commit: list = []
