"""Operator tooling for dead-lettered messages: list, show, replay, purge (`python -m messaging.dlq`)."""

from messaging.dlq.letters import DeadLetter, dlq_of, known_dlqs
from messaging.dlq.operations import count, find, list_letters, purge, replay

__all__ = ["DeadLetter", "count", "dlq_of", "find", "known_dlqs", "list_letters", "purge", "replay"]
