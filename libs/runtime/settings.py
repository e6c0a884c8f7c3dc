"""Settings every service reads from the environment (pydantic-settings), once, at start-up."""

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}


def parse_duration(value: object) -> timedelta:
    """`10m`, `2s`, `500ms`, `1h` or a plain number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError("duration like 10m, 2s, 500ms, 1h or a number of seconds")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class ServiceSettings(BaseSettings):
    """Common to the four services; each service subclasses it with its own defaults."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str
    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    http_host: str = "0.0.0.0"
    http_port: int
    log_level: str = "INFO"
    # consuming
    max_delivery_attempts: int = 3
    prefetch_count: int = 64
    consumer_workers: int = 2  # transactions applying deliveries at once, one pooled connection each
    consumer_batch_size: int = 50  # most deliveries applied in one transaction
    retry_base_delay_ms: int = 200
    handler_timeout_s: float = 20.0
    queue_type: Literal["classic", "quorum"] = "classic"
    # publishing and the outbox relay
    publish_timeout_s: float = 5.0
    outbox_batch_size: int = 200
    outbox_poll_interval_s: float = 1.0
    # rows are published by the process that wrote them at commit; any replica's relay takes over those
    # still unsent (a crash, the broker away) once they are this old
    outbox_claim_after_s: float = 5.0
    outbox_retry_base_s: float = Field(1.0, gt=0, description=(
        "Seconds an outbox row the broker refused (unroutable, nacked) waits before its second attempt;"
        " the wait doubles with each refusal, up to OUTBOX_RETRY_MAX_S. The row is never dropped."))
    outbox_retry_max_s: float = Field(300.0, gt=0, description=(
        "The longest wait, in seconds, between two attempts of an outbox row the broker keeps refusing."))
    outbox_retention: Duration = timedelta(hours=1)
    # PostgreSQL
    db_pool_min_size: int = 2
    db_pool_max_size: int = 10
    db_command_timeout_s: float = 5.0
    db_lock_timeout_ms: int = 5000
    # start-up and shutdown
    startup_timeout_s: float = 60.0
    shutdown_timeout_s: float = 15.0
