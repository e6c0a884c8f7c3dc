"""`python -m runtime.provision` (what `make up` runs): four roles and databases, passwords generated
once into files only their owner reads, the same URLs on every later run, each one logging in as its
role; and the Procfile hands each service its own URL."""

import re
from pathlib import Path

import asyncpg
import pytest

from events.names import SERVICES
from runtime import provision
from stack.infra import Infra, drop_databases, run_id
from stack.roles import remove_roles

ROOT = Path(__file__).resolve().parents[3]


def _lines(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    out = capsys.readouterr().out
    return dict(line.split("=", 1) for line in out.splitlines())


async def test_provisioning_makes_the_roles_once_and_prints_their_urls(
    infra: Infra, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = f"prov_{run_id()}"
    args = ["--server", infra.pg_url, "--secrets", str(tmp_path / "secrets"), "--prefix", prefix]
    try:
        provision.main(args)
        first = _lines(capsys)
        assert set(first) == {provision.env_variable(s) for s in SERVICES}
        files = list((tmp_path / "secrets").iterdir())
        assert len(files) == 4 and all(f.stat().st_mode & 0o777 == 0o600 for f in files)

        provision.main(args)  # a later `make up`: same passwords, nothing else changes
        assert _lines(capsys) == first

        for service in SERVICES:
            conn = await asyncpg.connect(first[provision.env_variable(service)], timeout=10)
            try:
                assert await conn.fetchval("SELECT current_user") == f"{prefix}_{service}_service"
            finally:
                await conn.close()
    finally:
        await drop_databases(infra, f"{prefix}_")
        await remove_roles(infra, prefix)


def test_the_procfile_gives_each_service_its_own_database_url() -> None:
    procfile = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )
    assert set(procfile) == set(SERVICES)
    for service, command in procfile.items():
        assert re.search(rf'DATABASE_URL="\${provision.env_variable(service)}"', command), command
