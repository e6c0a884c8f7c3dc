"""Settings every service reads from the environment (pydantic-settings), once, at start-up."""

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from events.catalog import LATEST_VERSION, SchemaVersion
from events.names import DATABASES
from runtime.auth.scopes import DEFAULT_AUDIENCE, DEFAULT_ISSUER

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


def _version_number(value: object) -> object:
    """`EVENT_SCHEMA_VERSION=1` arrives as the string "1": an integer literal does not match it as is."""
    return int(value) if isinstance(value, str) and value.strip().isdecimal() else value


EventSchemaVersion = Annotated[SchemaVersion, BeforeValidator(_version_number)]
DEFAULT_BROKER_USER_PREFIX = "saga-"  # the broker users `saga-order`, ..., `saga-operator` (messaging.users)
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432"  # the server `make up` runs on this machine


def local_database_url(service: str) -> str:
    """The service's own database on the local server: its default DATABASE_URL, and the checker's."""
    return f"{LOCAL_POSTGRES}/{DATABASES[service]}"


class ServiceSettings(BaseSettings):
    """Common to the four services; each service subclasses it with its own defaults."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str = Field(
        description=(
            "the service's own PostgreSQL database, as the service's own role (`make up` gives each its"
            " `<SERVICE>_DATABASE_URL`); TLS: `?sslmode=verify-full&sslrootcert=<CA file>`"
        )
    )
    rabbitmq_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/",
        description=(
            "the RabbitMQ broker and vhost, logging in as the service's own user"
            " (`<RABBITMQ_USER_PREFIX><service>`; `make up` sets it); TLS:"
            " `amqps://<user>:<password>@<host>:5671/<vhost>?cafile=<CA file>`"
        ),
    )
    rabbitmq_user_prefix: str = Field(
        DEFAULT_BROKER_USER_PREFIX,
        description=(
            "prefix of the broker users' names (`saga-order`, …, `saga-operator`); a consumer accepts an"
            " event only from its producer's user"
        ),
    )
    http_host: str = Field("0.0.0.0", description="address the HTTP server listens on")
    http_port: int = Field(description="port of the HTTP server (the API, `/health`, `/ready`)")
    # authentication: bearer JWTs an identity provider signs, verified against its JWKS (runtime/auth)
    auth_jwks_url: str | None = Field(
        None,
        description="URL of the identity provider's JWKS (its public keys); this or `AUTH_JWKS_FILE` is required",
    )
    auth_jwks_file: str | None = Field(
        None,
        description="a JWKS file to verify tokens with instead of `AUTH_JWKS_URL` (`make up` writes one)",
    )
    auth_issuer: str = Field(DEFAULT_ISSUER, description="the `iss` every token must carry")
    auth_audience: str = Field(DEFAULT_AUDIENCE, description="the `aud` every token must carry")
    auth_customer_claim: str = Field(
        "sub", description="the token claim holding the caller's customer id (a UUID)"
    )
    auth_leeway: Duration = Field(
        timedelta(seconds=30), description="clock skew allowed when checking a token's `exp` and `nbf`"
    )
    auth_jwks_cache: Duration = Field(
        timedelta(minutes=5),
        description="how long keys fetched from `AUTH_JWKS_URL` are kept; an unknown `kid` refetches sooner",
    )
    # metrics: a listener of their own, never the public port unless METRICS_TOKEN is set
    metrics_host: str = Field("127.0.0.1", description="address the `/metrics` listener binds to")
    metrics_port: int = Field(description="port of the `/metrics` listener (Prometheus)")
    metrics_token: str | None = Field(
        None,
        description=(
            "if set, `/metrics` is also served on `HTTP_PORT` to `Authorization: Bearer <METRICS_TOKEN>`"
            " (404 there otherwise)"
        ),
    )
    log_level: str = Field(
        "INFO", description="log level; logs are JSON lines carrying `order_id` and `event_id`"
    )
    # consuming
    max_delivery_attempts: int = Field(
        3, description="attempts at a failing delivery before it goes to its queue's `.dlq`"
    )
    prefetch_count: int = Field(64, description="unacknowledged deliveries a consumer holds at once")
    consumer_workers: int = Field(
        2, description="transactions applying deliveries at once, each on one pooled connection"
    )
    consumer_batch_size: int = Field(50, description="most deliveries applied in one transaction")
    retry_base_delay_ms: int = Field(
        200,
        description="delay before the first retry of a failed delivery; each further one waits 4 times longer",
    )
    handler_timeout_s: float = Field(
        20.0,
        description="deadline of one transaction applying deliveries; an overrun is rolled back and retried",
    )
    # publishing and the outbox relay
    event_schema_version: EventSchemaVersion = Field(
        LATEST_VERSION,
        description=(
            "schema version of the events this service writes (it reads every one): `1` while a consumer"
            " still runs the release before warehouses, `2` while one still runs the release before"
            " version 3 (trust boundaries), `3` once every consumer is upgraded (docs/design.md)"
        ),
    )
    publish_timeout_s: float = Field(
        5.0, description="deadline of one publish, the broker's confirm included"
    )
    outbox_batch_size: int = Field(200, description="outbox rows the relay's poller claims at once")
    outbox_poll_interval_s: float = Field(
        1.0, description="how often the relay's poller looks for outbox rows left unsent"
    )
    outbox_claim_after_s: float = Field(
        5.0,
        description=(
            "age at which any replica's relay publishes a row its writer left unsent (a crash, the broker away)"
        ),
    )
    outbox_retry_base_s: float = Field(
        1.0,
        gt=0,
        description=(
            "wait before the second attempt of an outbox row the broker refused (unroutable, nacked); it doubles"
            " with each refusal, up to `OUTBOX_RETRY_MAX_S`, and the row is never dropped"
        ),
    )
    outbox_retry_max_s: float = Field(
        300.0,
        gt=0,
        description="longest wait between two attempts of an outbox row the broker keeps refusing",
    )
    outbox_retention: Duration = Field(timedelta(hours=1), description="how long sent outbox rows are kept")
    # PostgreSQL
    db_pool_min_size: int = Field(2, description="connections the PostgreSQL pool keeps open")
    db_pool_max_size: int = Field(10, description="most connections the PostgreSQL pool opens")
    db_command_timeout_s: float = Field(5.0, description="deadline of one SQL statement")
    db_lock_timeout_ms: int = Field(
        5000, description="PostgreSQL `lock_timeout`: the longest wait for a lock"
    )
    # start-up and shutdown
    startup_timeout_s: float = Field(
        60.0, description="how long start-up waits for PostgreSQL and RabbitMQ before giving up"
    )
    shutdown_timeout_s: float = Field(
        15.0, description="how long a graceful shutdown (SIGTERM) waits for in-flight work and the outbox"
    )
