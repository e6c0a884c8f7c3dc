"""Where the checker looks: the four databases, the broker (vhost included) and inventory's Redis."""

import os
from dataclasses import dataclass, field
from urllib.parse import quote

from events.names import SERVICES
from runtime.settings import local_database_url
from stockcache import DEFAULT_PREFIX

LOCAL_DATABASES = {s: local_database_url(s) for s in SERVICES}  # the services' own defaults


@dataclass(frozen=True)
class Targets:
    database_urls: dict[str, str] = field(default_factory=lambda: dict(LOCAL_DATABASES))
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"  # with the vhost as its path
    redis_url: str | None = "redis://127.0.0.1:6379/0"
    redis_prefix: str = DEFAULT_PREFIX
    vhost: str = "/"

    @classmethod
    def local(cls) -> "Targets":
        """The system `make up` runs, overridable by the services' own environment variable names."""
        env = os.environ
        vhost = env.get("RABBITMQ_VHOST", "/")
        return cls(
            database_urls={
                s: env.get(f"{s.upper()}_DATABASE_URL", url) for s, url in LOCAL_DATABASES.items()
            },
            amqp_url=env.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/" + quote(vhost, safe="")),
            redis_url=env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            redis_prefix=env.get("REDIS_KEY_PREFIX", DEFAULT_PREFIX),
            vhost=vhost,
        )
