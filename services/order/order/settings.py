"""Order settings (environment variables, read once at start-up)."""

from typing import Literal

from pydantic import Field

from runtime.settings import ServiceSettings, local_database_url


class OrderSettings(ServiceSettings):
    database_url: str = local_database_url("order")
    http_port: int = 3001
    # the order API reads it: a hold_id cannot travel in a version-1 order.created
    event_schema_version: Literal[1, 2] = Field(
        2,
        description="the schema version of the events the service writes; 1 for a rolling deploy beside"
        " consumers that read only version 1 (the order API then refuses a `hold_id`)",
    )
