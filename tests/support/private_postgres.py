"""A PostgreSQL cluster of a test's own: initdb in a temporary directory, its own port, TLS on with a
given certificate, and TCP only over TLS (hostssl, scram-sha-256). The machine's shared server has
ssl off and restarting it would disturb everyone; initdb refuses root, so as root it runs as the
`postgres` OS user."""

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from stack.supervisor import free_port

SUPERUSER = "postgres"


def _as_cluster_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class PrivatePostgres:
    cert: Path
    key: Path
    password: str
    port: int = field(default_factory=free_port)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="saga-pg-")))

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    def url(self, ca: Path, database: str = "postgres", sslmode: str = "verify-full") -> str:
        """The superuser's URL, over TLS checked against `ca`."""
        query = f"sslmode={sslmode}&sslrootcert={quote(str(ca))}"
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}?{query}"

    def _run(self, *args: str) -> None:
        subprocess.run([*_as_cluster_user(), *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        for name, source in (("server.pem", self.cert), ("server.key", self.key)):
            shutil.copy(source, self.workdir / name)
        (self.workdir / "pwfile").write_text(self.password + "\n")
        (self.workdir / "server.key").chmod(0o600)  # PostgreSQL refuses a key others may read
        if os.geteuid() == 0:
            for path in [self.workdir, *self.workdir.iterdir()]:
                shutil.chown(path, "postgres", pwd.getpwnam("postgres").pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={self.workdir / 'pwfile'}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
        )  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.workdir}'\nmax_connections = 40\nfsync = off\n"
                f"ssl = on\nssl_cert_file = '{self.workdir / 'server.pem'}'\n"
                f"ssl_key_file = '{self.workdir / 'server.key'}'\n"
            )
        # TCP only with TLS: a client that does not use it (or whose check fails) gets no session
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.workdir / "server.log"), "-w", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass(frozen=True)
class Tls:
    """A started cluster, the authority that signed its certificate, and one that did not."""

    server: PrivatePostgres
    ca: Path
    other_ca: Path
