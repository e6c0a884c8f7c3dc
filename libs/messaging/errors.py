"""Errors a handler may raise. Business outcomes are events, never exceptions."""


class PermanentError(Exception):
    """Retrying cannot help (a broken invariant, a reference that can never exist): DLQ at once."""


class PublishError(Exception):
    """The broker did not confirm a publish: it was unroutable, nacked or timed out."""
