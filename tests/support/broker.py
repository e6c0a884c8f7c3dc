"""The broker as a test reaches it: the DLQ tool's arguments for a stack's operator user."""

from messaging.users import OPERATOR
from stack.supervisor import Stack


def as_operator(stack: Stack) -> list[str]:
    """`saga-dlq` arguments that log in as the stack's operator (an impersonator: a replay keeps the
    producer's user_id) and name the stack's users."""
    assert stack.broker_users is not None
    return ["--url", stack.broker_url(OPERATOR), "--user-prefix", stack.broker_users.prefix]
