"""Errors a handler may raise, and the publisher's. Business outcomes are events, never exceptions."""


class PermanentError(Exception):
    """Retrying cannot help (a broken invariant, a reference that can never exist): DLQ at once."""


class PublishError(Exception):
    """The broker did not confirm a publish: it was unroutable, nacked or timed out."""


class Refused(PublishError):
    """The broker answered and refused this message (unroutable, nacked, no such exchange): the message's
    own problem, unlike a timeout or a lost connection, which every message would meet alike."""
