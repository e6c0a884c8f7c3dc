"""The broker's definitions document (users, permissions, exchanges, queues, bindings), generated from
messaging.topology and the users' passwords at deploy time (`python -m messaging.definitions`)."""

from messaging.definitions.document import definitions, password_hash
from messaging.definitions.load import import_definitions

__all__ = ["definitions", "import_definitions", "password_hash"]
