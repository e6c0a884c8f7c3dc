"""SQL literals for statements that must go in one simple query (no parameters) with BEGIN or COMMIT,
so that they cost no round trip of their own. Only our own values are written out: uuids, names."""

from uuid import UUID


def text(value: str) -> str:
    """A string literal, the same whatever standard_conforming_strings says."""
    return "E'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def uuid(value: UUID) -> str:
    return f"'{UUID(str(value))}'::uuid"  # parsed again: nothing but a uuid can reach the SQL
