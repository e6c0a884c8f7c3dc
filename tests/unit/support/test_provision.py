"""Where a test run's PostgreSQL, RabbitMQ and Redis come from, without a Docker engine: the choice
(local or containers) from the environment and the engine's answer, the engine probe against a fake
engine, the containers' URLs as the tests use them, and the skips of the tests that drive local servers."""

import http.server
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import tests.conftest
from stack.infra import Infra
from tests.support import provision
from tests.support.provision import CONTAINERS, LOCAL, choose, docker_answers, infra_of, local_only, missing

ROOT = Path(__file__).resolve().parents[3]


def engine(answers: bool):
    """An engine probe that says `answers` and remembers it was asked."""

    def probe() -> bool:
        probe.asked = True
        return answers

    probe.asked = False
    return probe


@pytest.mark.parametrize(
    "env, answers, expected",
    [
        ({}, True, CONTAINERS),  # a laptop with Docker: throwaway containers
        ({}, False, LOCAL),  # no engine (this machine, CI): the local services
        ({"TEST_PG_URL": ""}, True, CONTAINERS),  # set but empty is not set
        ({"TEST_INFRA": "local"}, True, LOCAL),
        ({"TEST_INFRA": "containers"}, False, CONTAINERS),
    ],
)
def test_containers_when_no_url_is_set_and_an_engine_answers(env, answers, expected):
    assert choose(env, engine(answers)) == expected


@pytest.mark.parametrize("variable", provision.URL_VARIABLES)
def test_any_test_url_means_the_servers_it_names_and_the_engine_is_not_asked(variable):
    probe = engine(True)
    assert choose({variable: "somewhere://else"}, probe) == LOCAL
    assert not probe.asked


def test_a_forced_choice_other_than_local_or_containers_is_refused():
    with pytest.raises(ValueError, match="TEST_INFRA must be 'local' or 'containers', not 'docker'"):
        choose({"TEST_INFRA": "docker"}, engine(True))


def test_the_choice_is_printed_for_scripts_infra_sh():
    out = subprocess.run(
        [sys.executable, "-m", "tests.support.provision"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={"TEST_INFRA": CONTAINERS, "PATH": ""},
    )
    assert out.stdout == "containers\n"


class FakeEngine(http.server.BaseHTTPRequestHandler):
    """The two calls of the probe: the API version, then a ping."""

    def do_GET(self) -> None:
        body = json.dumps({"ApiVersion": "1.45"}).encode() if self.path == "/version" else b"OK"
        self.send_response(200 if self.path in ("/version", "/v1.45/_ping") else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_engine() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeEngine)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_engine() -> Iterator[str]:
    """A socket that accepts connections and never answers (a hung engine)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def test_an_engine_that_answers_is_found(monkeypatch, fake_engine):
    monkeypatch.setenv("DOCKER_HOST", fake_engine)
    assert docker_answers(timeout_s=2) is True


def test_no_engine_is_no_engine(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/docker.sock")
    assert docker_answers() is False


def test_an_engine_that_does_not_answer_is_given_up_on_within_the_timeout(monkeypatch, silent_engine):
    monkeypatch.setenv("DOCKER_HOST", silent_engine)
    started = time.monotonic()
    assert docker_answers(timeout_s=0.3) is False
    assert time.monotonic() - started < 2


class Started:
    """A started container as testcontainers shows it: a host, and a host port per container port."""

    def __init__(self, host: str, ports: dict[int, int]) -> None:
        self.host, self.ports = host, ports

    def get_container_host_ip(self) -> str:
        return self.host

    def get_exposed_port(self, port: int) -> int:
        return self.ports[port]


def test_the_containers_urls_are_what_the_tests_use():
    infra = infra_of(
        Started("localhost", {5432: 32768}),
        Started("localhost", {5672: 32769, 15672: 32770}),
        Started("localhost", {6379: 32771}),
    )
    assert infra.pg_url == "postgresql://postgres:postgres@localhost:32768/postgres"
    assert infra.amqp_url == "amqp://guest:guest@localhost:32769/"
    assert infra.rabbitmq_api == "http://guest:guest@localhost:32770"
    assert infra.redis_url == "redis://localhost:32771/0"
    assert (
        infra.database_url("saga_x_orders") == "postgresql://postgres:postgres@localhost:32768/saga_x_orders"
    )
    assert infra.vhost_url("saga-test-1") == "amqp://guest:guest@localhost:32769/saga-test-1"


def test_the_containers_run_the_images_docker_compose_runs():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["rabbitmq"]["image"] == provision.RABBITMQ_IMAGE
    assert services["redis"]["image"] == provision.REDIS_IMAGE
    assert {s["image"] for name, s in services.items() if name.endswith("-db")} == {provision.POSTGRES_IMAGE}


class Item:
    """What the skip hook reads of a collected test: its closest requires_local_servers marker."""

    def __init__(self, *marks: pytest.MarkDecorator) -> None:
        self.marks = {m.mark.name: m.mark for m in marks}

    def get_closest_marker(self, name: str):
        return self.marks.get(name)


def test_a_test_that_drives_local_servers_is_skipped_with_the_reason_on_containers_only(monkeypatch):
    marked = Item(pytest.mark.requires_local_servers("PostgreSQL (pg_ctlcluster)"))
    monkeypatch.setattr(provision, "chosen", lambda: CONTAINERS)
    with pytest.raises(pytest.skip.Exception) as skipped:
        tests.conftest.pytest_runtest_setup(marked)
    assert str(skipped.value) == (
        "drives the local PostgreSQL (pg_ctlcluster); this run uses throwaway containers"
        " (tests/support/provision.py): TEST_INFRA=local runs it on local servers"
    )
    tests.conftest.pytest_runtest_setup(Item(pytest.mark.e2e))  # any other test runs

    monkeypatch.setattr(provision, "chosen", lambda: LOCAL)
    tests.conftest.pytest_runtest_setup(marked)  # runs on the local servers
    assert local_only(("RabbitMQ (rabbitmqctl)",), LOCAL) is None


def test_a_test_that_runs_a_server_program_itself_is_skipped_where_it_is_not_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert missing("redis-server", "freezes") == "freezes a redis-server of its own, and none is installed"
    (tmp_path / "redis-server").write_text("#!/bin/sh\n")
    (tmp_path / "redis-server").chmod(0o755)
    assert missing("redis-server", "freezes") is None


def test_locally_each_url_is_its_variable_or_the_local_service(monkeypatch):
    for variable in provision.URL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TEST_REDIS_URL", "redis://elsewhere:6380/1")
    assert Infra.from_env() == Infra(
        pg_url="postgresql://postgres@127.0.0.1:5432/postgres",
        amqp_url="amqp://guest:guest@127.0.0.1:5672/",
        rabbitmq_api="http://guest:guest@127.0.0.1:15672",
        redis_url="redis://elsewhere:6380/1",
    )
