"""JSON-lines logging; every line carries the order_id and event_id of the work in progress."""

import contextlib
import contextvars
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson

order_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("order_id", default=None)
event_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
            "order_id": order_id_var.get(),
            "event_id": event_id_var.get(),
        }
        line.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def configure_logging(service: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@contextlib.contextmanager
def log_context(order_id: object, event_id: object) -> Iterator[None]:
    """Log lines inside carry these ids; a None stays null (an event that belongs to no order)."""
    tokens = (order_id_var.set(_text(order_id)), event_id_var.set(_text(event_id)))
    try:
        yield
    finally:
        order_id_var.reset(tokens[0])
        event_id_var.reset(tokens[1])
