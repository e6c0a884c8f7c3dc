"""SQL literals for statements that must go in one simple query (no parameters) with BEGIN or COMMIT,
so that they cost no round trip of their own. Only our own values are written out: uuids, names."""

from uuid import UUID


def text(value: str) -> str:
    """A string literal, the same whatever standard_conforming_strings says."""
    return "E'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def uuid(value: UUID) -> str:
    """A uuid literal; anything that is not a UUID is parsed as one first, so only a uuid reaches the SQL."""
    return f"'{value if isinstance(value, UUID) else UUID(value)}'::uuid"
