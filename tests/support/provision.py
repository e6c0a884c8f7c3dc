"""Where a test run's PostgreSQL, RabbitMQ and Redis come from: the local services (or the servers the
TEST_* URLs name), or throwaway containers started with testcontainers when no TEST_* URL is set and a
Docker engine answers, so that on a laptop with Docker and none of the three `make test` just works.

`TEST_INFRA=local` or `TEST_INFRA=containers` makes the choice instead. `python -m
tests.support.provision` prints it (scripts/infra.sh asks, to start no local server the tests won't use).
"""

import contextlib
import functools
import os
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Literal, Protocol

import docker
from docker.errors import DockerException

from stack.infra import URL_VARIABLES, Infra

Source = Literal["local", "containers"]
LOCAL: Source = "local"
CONTAINERS: Source = "containers"
PROBE_TIMEOUT_S = 2.0

# the images docker-compose.yml runs (tests/unit/support holds the two together)
POSTGRES_IMAGE, RABBITMQ_IMAGE, REDIS_IMAGE = "postgres:16", "rabbitmq:3-management", "redis:7"
POSTGRES_PORT, AMQP_PORT, MANAGEMENT_PORT, REDIS_PORT = 5432, 5672, 15672, 6379
POSTGRES_USER = POSTGRES_PASSWORD = "postgres"
RABBITMQ_USER = RABBITMQ_PASSWORD = "guest"
# as scripts/infra.sh sets the local server: test stacks, each with four pools, outgrow the default 100
POSTGRES_COMMAND = "postgres -c max_connections=300"


def choose(env: Mapping[str, str], engine_answers: Callable[[], bool]) -> Source:
    """Containers when no TEST_* URL is set and a Docker engine answers; the local services otherwise.
    The engine is asked only when the answer depends on it."""
    forced = env.get("TEST_INFRA", "")
    if forced == LOCAL or forced == CONTAINERS:
        return forced
    if forced:
        raise ValueError(f"TEST_INFRA must be {LOCAL!r} or {CONTAINERS!r}, not {forced!r}")
    if any(env.get(name) for name in URL_VARIABLES):
        return LOCAL
    return CONTAINERS if engine_answers() else LOCAL


def docker_answers(timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """Whether a Docker engine (DOCKER_HOST, or the default socket) answers within `timeout_s`."""
    try:
        client = docker.from_env(timeout=timeout_s)  # asks the engine its API version already
    except DockerException:  # no engine, no socket, or no answer in time
        return False
    try:
        return bool(client.ping())
    except (DockerException, OSError):  # requests' errors are OSErrors
        return False
    finally:
        client.close()


@functools.cache
def chosen() -> Source:
    """This run's choice, made once: the marker hook and the `infra` fixture must agree."""
    return choose(os.environ, docker_answers)


def local_only(what: Sequence[str], source: Source) -> str | None:
    """Why a test that drives local servers itself (`what`: pg_ctlcluster, rabbitmqctl) cannot run on
    `source`, or None when it can."""
    if source == LOCAL:
        return None
    return (
        f"drives the local {', '.join(what) or 'servers'}; this run uses throwaway containers"
        " (tests/support/provision.py): TEST_INFRA=local runs it on local servers"
    )


def missing(binary: str, use: str) -> str | None:
    """Why a test that runs `binary` itself (for `use`) cannot run here, or None when it can: a laptop
    whose tests run on containers need not have the servers' programs installed."""
    if shutil.which(binary) is not None:
        return None
    return f"{use} a {binary} of its own, and none is installed"


class Exposed(Protocol):
    """What infra_of needs of a started container (testcontainers' DockerContainer has it)."""

    def get_container_host_ip(self) -> str: ...

    def get_exposed_port(self, port: int) -> int: ...


def infra_of(postgres: Exposed, rabbitmq: Exposed, redis: Exposed) -> Infra:
    """The URLs of the three started containers, as the tests use them."""

    def at(container: Exposed, port: int) -> str:
        return f"{container.get_container_host_ip()}:{container.get_exposed_port(port)}"

    return Infra(
        pg_url=f"postgresql://{POSTGRES_USER}:{POSTGRES_PASSWORD}@{at(postgres, POSTGRES_PORT)}/postgres",
        amqp_url=f"amqp://{RABBITMQ_USER}:{RABBITMQ_PASSWORD}@{at(rabbitmq, AMQP_PORT)}/",
        rabbitmq_api=f"http://{RABBITMQ_USER}:{RABBITMQ_PASSWORD}@{at(rabbitmq, MANAGEMENT_PORT)}",
        redis_url=f"redis://{at(redis, REDIS_PORT)}/0",
    )


@contextlib.contextmanager
def containers() -> Iterator[Infra]:
    """PostgreSQL, RabbitMQ with its management API (the tests make vhosts through it) and Redis, each
    started and waited for, and removed on the way out (testcontainers' reaper removes them too if the
    run is killed)."""
    # imported here: the local path needs none of testcontainers' client libraries
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.community.rabbitmq import RabbitMqContainer
    from testcontainers.community.redis import RedisContainer
    from testcontainers.core.wait_strategies import HttpWaitStrategy

    management = HttpWaitStrategy(MANAGEMENT_PORT, "/api/overview").with_basic_credentials(
        RABBITMQ_USER, RABBITMQ_PASSWORD
    )
    with contextlib.ExitStack() as running:
        postgres = running.enter_context(
            PostgresContainer(
                POSTGRES_IMAGE,
                username=POSTGRES_USER,
                password=POSTGRES_PASSWORD,
                dbname="postgres",
                driver=None,
            ).with_command(POSTGRES_COMMAND)
        )
        rabbitmq = running.enter_context(
            RabbitMqContainer(
                RABBITMQ_IMAGE,
                username=RABBITMQ_USER,
                password=RABBITMQ_PASSWORD,
            )
            .with_exposed_ports(MANAGEMENT_PORT)
            .waiting_for(management)
        )
        redis = running.enter_context(RedisContainer(REDIS_IMAGE))
        yield infra_of(postgres, rabbitmq, redis)


@contextlib.contextmanager
def provided(source: Source) -> Iterator[Infra]:
    """The run's Infra from `source`: the local services as they are, or containers for as long as it lasts."""
    if source == LOCAL:
        yield Infra.from_env()
    else:
        with containers() as infra:
            yield infra


if __name__ == "__main__":
    print(chosen())
