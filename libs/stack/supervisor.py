"""Runs the four services as real processes for e2e and fault tests: start, kill, restart, wait.

Each Stack has its own databases (`<prefix>_orders`, ...), RabbitMQ vhost, Redis key prefix and
free HTTP ports, so a test stack never touches `make up` or another test.
"""

import asyncio
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiohttp

from checker import Targets
from events.names import DATABASES, SERVICES
from runtime.dbroles import DatabaseRole
from stack.broker_users import BrokerUsers
from stack.infra import Infra
from stack.tokens import Signer
from stack.wait import eventually

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    infra: Infra
    amqp_url: str  # with the run's vhost, as the infrastructure's administrator (tests, the checker)
    db_prefix: str  # databases are <db_prefix>_<name>
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)  # extra environment for every service
    ports: dict[str, int] = field(default_factory=lambda: {s: free_port() for s in SERVICES})
    procs: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    roles: dict[str, DatabaseRole] = field(default_factory=dict)  # the services' own (stack.roles)
    signer: Signer | None = None  # whose tokens the services accept; None: a key of its own, in log_dir
    metrics_ports: dict[str, int] = field(default_factory=lambda: {s: free_port() for s in SERVICES})

    def __post_init__(self) -> None:
        if self.signer is None:
            self.signer = Signer.at(self.log_dir / "auth")

    @property
    def tokens(self) -> Signer:
        assert self.signer is not None
        return self.signer

    def metrics_url(self, service: str) -> str:
        """The service's /metrics listener (not its API port)."""
        return f"http://127.0.0.1:{self.metrics_ports[service]}/metrics"

    broker_users: BrokerUsers | None = None  # the stack's own broker users; each service logs in as its own

    def broker_url(self, role: str) -> str:
        """The vhost's URL logging in as a service's (or the operator's) own broker user."""
        return self.broker_users.url(self.amqp_url, role) if self.broker_users else self.amqp_url

    def broker_user(self, role: str) -> str:
        """The name of a service's (or the operator's) broker user: the `user_id` its messages carry."""
        if self.broker_users:
            return self.broker_users.name(role)
        return unquote(urlsplit(self.amqp_url).username or "")

    def database_url(self, service: str) -> str:
        """The service's database as the superuser sees it (tests and the checker look with it)."""
        return self.infra.database_url(f"{self.db_prefix}_{DATABASES[service]}")

    def service_database_url(self, service: str) -> str:
        """What the service connects with: its own role where the stack made one, else the superuser."""
        role = self.roles.get(service)
        return role.url(self.infra.pg_url) if role else self.database_url(service)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def targets(self) -> Targets:
        return Targets(
            database_urls={s: self.database_url(s) for s in SERVICES},
            amqp_url=self.amqp_url,
            redis_url=self.redis_url,
            redis_prefix=self.redis_prefix,
            vhost=self.vhost,
        )

    @property
    def vhost(self) -> str:
        return unquote(urlsplit(self.amqp_url).path.lstrip("/"))

    @property
    def redis_url(self) -> str:
        return self.env.get("REDIS_URL", self.infra.redis_url)

    @property
    def redis_prefix(self) -> str:
        return f"{self.db_prefix}:inventory:"

    def service_env(self, service: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.service_database_url(service),
            "RABBITMQ_URL": self.broker_url(service),
            **({"RABBITMQ_USER_PREFIX": self.broker_users.prefix} if self.broker_users else {}),
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.redis_prefix,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(self.ports[service]),
            "METRICS_HOST": "127.0.0.1",
            "METRICS_PORT": str(self.metrics_ports[service]),
            **self.tokens.env(),
            "RETRY_BASE_DELAY_MS": "50",
            "STARTUP_TIMEOUT_S": "30",
            # PostgreSQL allows 100 connections and `make up` holds ~45: keep test stacks small
            "DB_POOL_MIN_SIZE": "1",
            "DB_POOL_MAX_SIZE": "5",
            **self.env,
            **(extra or {}),
        }

    async def start(self, service: str, extra_env: dict[str, str] | None = None, wait: bool = True) -> None:
        log = open(self.log_dir / f"{service}.log", "ab")  # noqa: ASYNC230, SIM115 - handed to the child
        self.procs[service] = await asyncio.create_subprocess_exec(
            str(BIN / f"{service}-service"),
            env=self.service_env(service, extra_env),
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
        log.close()
        if wait:
            await self.wait_ready(service)

    async def start_all(self) -> None:
        # inventory first only because its seed-free migrations take longest; all start concurrently
        await asyncio.gather(*(self.start(s, wait=False) for s in SERVICES))
        await asyncio.gather(*(self.wait_ready(s) for s in SERVICES))

    async def wait_ready(self, service: str, timeout: float = 60) -> None:
        async def ready() -> bool:
            proc = self.procs[service]
            if proc.returncode is not None:
                raise RuntimeError(
                    f"{service} exited with {proc.returncode}; see {self.log_dir}/{service}.log"
                )
            try:
                async with aiohttp.ClientSession() as http, http.get(self.url(service) + "/ready") as r:
                    return r.status == 200
            except aiohttp.ClientError:
                return False

        await eventually(ready, timeout, 0.1, f"{service} ready")

    async def kill(self, service: str) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        proc = self.procs[service]
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await proc.wait()

    async def stop(self, service: str, timeout: float = 30) -> int:
        """SIGTERM, then wait for the graceful shutdown; returns the exit code."""
        proc = self.procs[service]
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(proc.wait(), timeout)

    async def exited(self, service: str, timeout: float = 30) -> int:
        """Wait for a process that is expected to die by itself (a fault point's SIGKILL)."""
        return await asyncio.wait_for(self.procs[service].wait(), timeout)

    async def stop_all(self) -> None:
        await asyncio.gather(
            *(self.stop(s) for s in self.procs if self.procs[s].returncode is None), return_exceptions=True
        )
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
