"""A redis-server of a test's own that speaks only TLS (no plain port) and wants a password: what
`rediss://` with a CA file and REDIS_URL's password are tested against."""

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from stack.supervisor import free_port


@dataclass
class TlsRedis:
    workdir: Path
    cert: Path
    key: Path
    password: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    def url(self, ca: Path, password: str | None = None) -> str:
        secret = self.password if password is None else password
        return f"rediss://:{secret}@127.0.0.1:{self.port}/0?ssl_ca_certs={quote(str(ca))}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--tls-port", str(self.port), "--bind", "127.0.0.1",
             "--tls-cert-file", str(self.cert), "--tls-key-file", str(self.key),
             "--tls-auth-clients", "no", "--requirepass", self.password,
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
