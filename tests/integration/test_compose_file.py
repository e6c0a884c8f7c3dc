"""docker-compose.yml is complete: the whole system, healthchecks everywhere, start-up ordered by health,
every environment variable it sets is one the service actually reads, and it holds no default secret:
each comes from a required variable that .env.example lists, and compose refuses to start without them.

Validated with `docker-compose config` (no Docker engine needed), which also resolves the YAML anchors,
merge keys and ${VAR:-default} interpolation exactly as `make docker-up` will.
"""

import importlib
import os
import re
import secrets
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from events.names import DATABASES
from messaging.definitions.cli import password_variable
from messaging.users import DEFAULT_USER_PREFIX, ROLES, user_name
from runtime.dbroles import ROLE_OPTIONS, database_role

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
ROLE_SCRIPT = ROOT / "scripts" / "postgres-service-role.sh"

INFRA = {"rabbitmq", "redis", "orders-db", "payments-db", "inventory-db", "shipping-db"}
# service -> (settings class, its database server, other infrastructure it needs, HTTP port)
APPS = {
    "order": ("order.settings.OrderSettings", "orders-db", set(), 3001),
    "payment": ("payment.settings.PaymentSettings", "payments-db", set(), 3003),
    "inventory": ("inventory.settings.InventorySettings", "inventory-db", {"redis"}, 3002),
    "shipping": ("shipping.settings.ShippingSettings", "shipping-db", set(), 3004),
}
REQUIRED_ENV = {"DATABASE_URL", "RABBITMQ_URL", "HTTP_PORT"}
# Host variables the compose file interpolates; unset them so the test sees the file's own defaults.
INTERPOLATED = [
    "LOG_LEVEL",
    "MAX_DELIVERY_ATTEMPTS",
    "RESERVATION_TTL",
    "RESERVATION_SWEEP_INTERVAL",
    "PAYMENT_APPROVAL_LIMIT",
    "SHIPPING_MAX_UNITS",
]


def _secret_names() -> list[str]:
    """The variables .env.example lists (each empty there: a placeholder, never a usable secret)."""
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if line and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Z0-9_]+=", line) for line in lines), f".env.example holds a value: {lines}"
    return [line[:-1] for line in lines]


SECRETS = {name: secrets.token_hex(12) for name in _secret_names()}  # this run's stand-in .env


def _compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode == 0
    ):
        return ["docker", "compose"]
    pytest.fail("docker-compose is not installed: run `make deps`", pytrace=False)


def _config(secrets_env: dict[str, str], tmp: Path) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` with `secrets_env` as its only source of secrets (an empty --env-file, so
    a developer's own `.env` plays no part)."""
    unset = set(INTERPOLATED) | set(SECRETS)
    env = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("COMPOSE_")}
    empty = tmp / "empty.env"
    empty.write_text("")
    return subprocess.run(
        [*_compose_command(), "--env-file", str(empty), "-f", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        env={**env, **secrets_env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> dict:
    result = _config(SECRETS, tmp_path_factory.mktemp("compose"))
    assert result.returncode == 0, f"docker-compose config rejected the file:\n{result.stderr}"
    config = yaml.safe_load(result.stdout)
    assert isinstance(config, dict) and "services" in config, result.stdout
    return config


def _published_ports(service: dict) -> set[int]:
    ports = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):  # long syntax, what `config` prints
            if port.get("published") is not None:
                ports.add(int(str(port["published"]).split("-")[0]))
        else:  # "HOST:CONTAINER", "IP:HOST:CONTAINER"
            parts = str(port).split("/")[0].split(":")
            if len(parts) >= 2:
                ports.add(int(parts[-2]))
    return ports


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", ...]
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _healthcheck_command(service: dict) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, list):
        return " ".join(map(str, test))
    return str(test or "")


def _settings_class(dotted: str) -> type:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_component_is_there(compose: dict) -> None:
    assert set(compose["services"]) >= INFRA | set(APPS)


@pytest.mark.parametrize("name", sorted(INFRA))
def test_infrastructure_has_a_healthcheck(compose: dict, name: str) -> None:
    service = compose["services"][name]
    health = service.get("healthcheck") or {}
    assert health.get("test") and not health.get("disable"), f"{name} has no healthcheck"
    assert _healthcheck_command(service).strip() not in ("NONE", "")


def test_databases_are_one_server_per_service_with_their_own_volume(compose: dict) -> None:
    volumes = set()
    for app, (_, db, _, _) in APPS.items():
        name = DATABASES[app]
        service = compose["services"][db]
        assert str(service["image"]).startswith("postgres:16")
        env = _environment(service)
        assert env.get("POSTGRES_DB") == name
        assert env.get("POSTGRES_HOST_AUTH_METHOD") == "scram-sha-256"
        assert "--auth-host=scram-sha-256" in env.get("POSTGRES_INITDB_ARGS", "")
        assert "--auth-local=scram-sha-256" in env.get("POSTGRES_INITDB_ARGS", "")
        assert env.get("SERVICE_DB_ROLE") == database_role(app)
        assert env.get("POSTGRES_PASSWORD") and env.get("SERVICE_DB_PASSWORD")
        assert env["POSTGRES_PASSWORD"] != env["SERVICE_DB_PASSWORD"]
        init = [str(v["target"] if isinstance(v, dict) else v.split(":")[1]) for v in service["volumes"]]
        assert any(t.startswith("/docker-entrypoint-initdb.d/") for t in init), f"{db} makes no role"
        assert "pg_isready" in _healthcheck_command(service)
        mounts = [
            str(v["source"] if isinstance(v, dict) else v).split(":")[0] for v in service.get("volumes", [])
        ]
        named = [m for m in mounts if m in (compose.get("volumes") or {})]
        assert named, f"{db} keeps its data in no named volume"
        volumes.update(named)
    assert len(volumes) == 4, "each database server needs a volume of its own"


def test_published_ports(compose: dict) -> None:
    services = compose["services"]
    assert 3001 in _published_ports(services["order"])
    assert 3002 in _published_ports(services["inventory"])
    assert {5672, 15672} <= _published_ports(services["rabbitmq"])


def test_the_four_services_share_one_image_built_here(compose: dict) -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    images = set()
    for name in APPS:
        service = compose["services"][name]
        build = service.get("build")
        context = build.get("context") if isinstance(build, dict) else build
        assert context and Path(ROOT, context).resolve() == ROOT, f"{name} is not built from the repo root"
        images.add(service.get("image"))
        command = service.get("command")
        command = command if isinstance(command, str) else " ".join(command or [])
        assert command.split()[0] == f"{name}-service" and f"{name}-service" in scripts, (
            f"{name}: command {command!r} is not its console script"
        )
        assert service.get("restart") == "unless-stopped"
    assert len(images) == 1 and None not in images, f"one image name for the four services, got {images}"
    assert (ROOT / "Dockerfile").is_file()


@pytest.mark.parametrize("name", sorted(APPS))
def test_service_healthcheck_and_start_up_order(compose: dict, name: str) -> None:
    service = compose["services"][name]
    _, db, extra, _ = APPS[name]
    assert "/ready" in _healthcheck_command(service), f"{name}'s healthcheck does not hit /ready"
    depends_on = service.get("depends_on")
    assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions, not a list"
    for needed in {"rabbitmq", db} | extra:
        assert needed in depends_on, f"{name} does not wait for {needed}"
        assert depends_on[needed].get("condition") == "service_healthy", (
            f"{name} starts before {needed} is healthy"
        )


@pytest.mark.parametrize("name", sorted(APPS))
def test_service_environment_is_what_its_settings_read(
    compose: dict, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = compose["services"][name]
    dotted, db, extra, port = APPS[name]
    env = _environment(service)
    assert REQUIRED_ENV <= set(env), f"{name} lacks {REQUIRED_ENV - set(env)}"
    assert env["HTTP_PORT"] == str(port)
    assert f"@{db}:" in env["DATABASE_URL"], f"{name} does not use its own database server {db}"
    db_env = _environment(compose["services"][db])
    assert env["DATABASE_URL"].startswith(
        f"postgresql://{database_role(name)}:{db_env['SERVICE_DB_PASSWORD']}@"
    ), f"{name} does not connect as its role"
    assert "@rabbitmq:" in env["RABBITMQ_URL"]
    if "redis" in extra:
        assert "REDIS_URL" in env and env["REDIS_URL"].startswith(
            f"redis://:{SECRETS['REDIS_PASSWORD']}@redis:"
        )

    settings_cls = _settings_class(dotted)
    prefix = (settings_cls.model_config.get("env_prefix") or "").lower()
    fields = set(settings_cls.model_fields)
    unknown = sorted(
        k for k in env if not (k.lower().startswith(prefix) and k.lower()[len(prefix) :] in fields)
    )
    assert not unknown, f"{name} sets variables {dotted} does not read: {unknown}"

    # and the values parse: the settings the container will start with are valid
    for key in list(os.environ):
        if key.lower().removeprefix(prefix) in fields:
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = settings_cls()
    assert settings.http_port == port


def test_the_file_holds_no_default_secret() -> None:
    # what compose reads: comments may name what they like
    text = "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in COMPOSE_FILE.read_text().splitlines())
    assert not re.search(r"\btrust\b", text), "a PostgreSQL server trusts connections"
    assert "guest" not in text, "RabbitMQ's default user"
    assert not re.search(r"postgresql://[^:@/]+@", text), "a database URL without a password"
    # every password, pass or auth is a required variable, never a literal or a ${VAR:-default}
    for key, value in re.findall(r"^\s*([A-Z_]*(?:PASSWORD|PASS|AUTH)[A-Z_]*):\s*(.*)$", text, re.MULTILINE):
        if key != "POSTGRES_HOST_AUTH_METHOD" and not key.startswith("AUTH_"):  # AUTH_*: token settings
            assert re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]+\}", value.strip()), f"{key}: {value}"
    for url in re.findall(r"\b(?:postgresql|amqp|redis)://(?:[^\s$]|\$\{[^}]*\})+", text):
        assert re.match(r"\w+://[^:/@]*:\$\{[A-Z0-9_]+:\?[^}]+\}@", url), f"a credential not required: {url}"
    interpolated = re.findall(r"\$\{([A-Z0-9_]+)(:?[-?])?", text)
    required = {name for name, how in interpolated if how == ":?"}
    assert required == set(SECRETS), "every required variable, and only those, is listed in .env.example"
    assert not required & {name for name, how in interpolated if how != ":?"}, "a secret with a default"


def test_compose_refuses_to_start_without_the_secrets(tmp_path: Path) -> None:
    result = _config({}, tmp_path)
    assert result.returncode != 0
    assert re.search(r"set [A-Z0-9_]+ in \.env", result.stderr), result.stderr
    for missing in SECRETS:  # each one alone is enough to refuse
        result = _config({k: v for k, v in SECRETS.items() if k != missing}, tmp_path)
        assert result.returncode != 0 and f"set {missing} in .env" in result.stderr, missing


def test_the_secrets_file_is_ignored_and_the_example_committed() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, ".env is not in .gitignore"
    assert (
        subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=ROOT, check=False).returncode == 1
    )


def test_the_compose_init_script_makes_the_role_as_make_up_does() -> None:
    script = ROLE_SCRIPT.read_text()
    assert f'CREATE ROLE :"role" {ROLE_OPTIONS} PASSWORD' in script
    assert 'ALTER DATABASE :"db" OWNER TO :"role"' in script
    assert 'REVOKE ALL ON DATABASE :"db" FROM PUBLIC' in script


def _docker_up(tmp: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """scripts/docker-up.sh in a copy of the repository's files it reads, with a compose that does
    nothing; returns the `.env` it leaves."""
    stub = tmp / "compose-stub"
    stub.write_text('#!/bin/sh\n[ "$2" = --help ] && echo --wait\nexit 0\n')
    stub.chmod(0o755)
    base = {k: v for k, v in os.environ.items() if k not in SECRETS}
    subprocess.run(
        ["bash", str(tmp / "scripts" / "docker-up.sh")],
        env={**base, "COMPOSE": str(stub), "INVENTORY_URL": "http://127.0.0.1:9", **(env or {})},
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert (tmp / ".env").stat().st_mode & 0o777 == 0o600
    return dict(line.split("=", 1) for line in (tmp / ".env").read_text().splitlines())


def test_docker_up_writes_missing_secrets_once_and_keeps_them(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "docker-up.sh", tmp_path / "scripts")
    shutil.copy(ENV_EXAMPLE, tmp_path)
    first = _docker_up(tmp_path)
    assert set(first) == set(SECRETS)
    assert all(re.fullmatch(r"[0-9a-f]{48}", value) for value in first.values())
    assert len(set(first.values())) == len(first)
    assert _docker_up(tmp_path) == first  # a later run changes nothing

    with open(tmp_path / ".env.example", "a") as example:
        example.write("NEW_PASSWORD=\nFROM_THE_ENVIRONMENT=\n")
    later = _docker_up(tmp_path, {"FROM_THE_ENVIRONMENT": "set-by-the-operator"})
    assert set(later) == set(first) | {"NEW_PASSWORD"} and all(later[k] == v for k, v in first.items())


def test_no_default_broker_credential(compose: dict) -> None:
    text = yaml.safe_dump(compose)
    assert "guest" not in text, "compose still names the guest user"
    assert not {"RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS"} & set(
        _environment(compose["services"]["rabbitmq"])
    )


def test_the_broker_loads_the_generated_definitions_at_boot(compose: dict) -> None:
    services = compose["services"]
    init, broker = services["rabbitmq-definitions"], services["rabbitmq"]
    assert broker["depends_on"]["rabbitmq-definitions"]["condition"] == "service_completed_successfully"
    command = " ".join(init["command"]) if isinstance(init["command"], list) else init["command"]
    assert "python -m messaging.definitions" in command and "/definitions/definitions.json" in command
    assert init["image"] == services["order"]["image"], "the definitions come from the services' own image"
    broker_secrets = {password_variable(role): SECRETS[password_variable(role)] for role in ROLES}
    assert _environment(init) == broker_secrets, (
        "the generator reads exactly the broker passwords compose requires"
    )

    conf = next(src for src, dst in _mounts(broker) if dst.startswith("/etc/rabbitmq/conf.d/"))
    target = next(dst for src, dst in _mounts(broker) if src == "rabbitmq-definitions")
    assert f"load_definitions = {target}/definitions.json" in Path(conf).read_text()
    assert ("rabbitmq-definitions", "/definitions") in _mounts(init)


def _mounts(service: dict) -> list[tuple[str, str]]:
    """(source, target) of each volume, from the long syntax or `source:target[:mode]`."""
    out = []
    for v in service.get("volumes", []):
        if isinstance(v, dict):
            out.append((str(v["source"]), str(v["target"])))
        else:
            source, target = str(v).split(":")[:2]
            out.append((source, target))
    return out


@pytest.mark.parametrize("name", sorted(APPS))
def test_each_service_logs_in_as_its_own_broker_user(compose: dict, name: str) -> None:
    url = _environment(compose["services"][name])["RABBITMQ_URL"]
    password = SECRETS[password_variable(name)]
    assert url == f"amqp://{user_name(DEFAULT_USER_PREFIX, name)}:{password}@rabbitmq:5672/"
