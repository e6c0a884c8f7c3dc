"""Meanings defined once stay so: every user holds the contract's own objects, and the copies that shell
scripts and SQL must keep (they cannot import Python) agree with the Python definitions."""

import re
import subprocess
import typing
from pathlib import Path

import pytest

import bench.collect
import checker.quiet
import tests.support.client
from checker import Targets, invariants
from events import ledger, statuses
from events.names import DATABASES, SERVICES
from inventory.api.schemas import Movement
from inventory.settings import InventorySettings
from order import domain
from order.settings import OrderSettings
from payment.settings import PaymentSettings
from shipping.settings import ShippingSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {
    "order": OrderSettings,
    "payment": PaymentSettings,
    "inventory": InventorySettings,
    "shipping": ShippingSettings,
}


def _default(settings: type, field: str) -> object:
    return settings.model_fields[field].default


def test_the_order_service_the_checker_the_bench_and_the_tests_use_the_contracts_statuses():
    assert domain.STATUSES is statuses.STATUSES
    for terminal in (
        domain.TERMINAL,
        invariants.TERMINAL,
        checker.quiet.TERMINAL,
        bench.collect.TERMINAL,
        tests.support.client.TERMINAL,
    ):
        assert terminal is statuses.TERMINAL


@pytest.mark.parametrize("status", statuses.STATUSES)
def test_the_checker_calls_terminal_exactly_what_the_state_machine_never_leaves(status: str):
    moves_on = any(domain.apply(status, event).statuses for event in domain.TRANSITIONS)
    checker_waits = invariants.orders_not_terminal({"status": {1: status}}) == ["1"]
    assert checker_waits == moves_on == (status not in statuses.TERMINAL)


def test_the_demo_script_stops_at_the_terminal_statuses():
    script = (ROOT / "scripts" / "demo-order.sh").read_text()
    [arm] = re.findall(r"^\s*([A-Z_]+(?:\s*\|\s*[A-Z_]+)*)\)", script, re.MULTILINE)
    assert {s.strip() for s in arm.split("|")} == statuses.TERMINAL


@pytest.mark.parametrize("kind", ledger.KINDS)
def test_every_movement_keeps_on_hand_equal_to_received_less_committed(kind: str):
    on_hand, _, received, committed = ledger.DELTAS[kind]
    assert on_hand == received - committed


def test_the_movement_kinds_of_the_api_and_the_database_are_the_ledgers():
    assert typing.get_args(Movement.model_fields["kind"].annotation) == ledger.KINDS
    # the last migration that sets the movements' kinds
    migrations = sorted((ROOT / "services/inventory/inventory/migrations").glob("*.sql"))
    listed = [k for m in migrations for k in re.findall(r"CHECK \(\s*kind IN \(([^)]*)\)", m.read_text())][-1]
    assert tuple(k.strip(" '") for k in listed.split(",")) == ledger.KINDS


def test_the_checker_reads_the_databases_the_services_use_by_default():
    assert set(DATABASES) == set(SETTINGS) == set(SERVICES)
    assert Targets().database_urls == {s: _default(SETTINGS[s], "database_url") for s in SERVICES}
    assert {s: str(_default(SETTINGS[s], "database_url")).rsplit("/", 1)[1] for s in SERVICES} == DATABASES


def test_the_scripts_wait_on_the_ports_the_services_listen_on():
    ports = subprocess.run(
        ["bash", "-c", 'source scripts/ports.sh && echo "${PORTS[@]}"'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(map(int, ports)) == sorted(_default(SETTINGS[s], "http_port") for s in SERVICES)
    metrics_ports = subprocess.run(
        ["bash", "-c", 'source scripts/ports.sh && echo "${METRICS_PORTS[@]}"'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(map(int, metrics_ports)) == sorted(_default(SETTINGS[s], "metrics_port") for s in SERVICES)
    assert not re.search(r"\b300\d\b", (ROOT / "scripts" / "up.sh").read_text().split("cat <<TXT")[0])
