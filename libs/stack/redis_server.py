"""A private redis-server on a free port for one test module, so stopping, pausing or freezing it
touches no one else's Redis."""

import asyncio
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as redis

from stack.supervisor import free_port
from stack.wait import eventually


@dataclass
class PrivateRedis:
    workdir: Path
    port: int = 0
    proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.port = self.port or free_port()
        self.proc = await asyncio.create_subprocess_exec(
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await eventually(self.answers, 10, 0.05, f"redis-server on :{self.port}")

    async def answers(self) -> bool:
        client = redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            return bool(await client.ping())
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return False
        finally:
            await client.aclose()

    async def stop(self) -> None:
        """Gone, data and all (SIGKILL): what a crashed cache looks like."""
        if self.proc and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    async def pause(self, ms: int) -> None:
        """CLIENT PAUSE ... ALL: every command of every client waits until the pause ends."""
        client = redis.from_url(self.url, socket_timeout=2)
        try:
            await client.execute_command("CLIENT", "PAUSE", ms, "ALL")
        finally:
            await client.aclose()

    def freeze(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)  # connections stay open; nothing answers

    def thaw(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)
