"""Settings: durations like 10m, 2s, 500ms, 1h or a number of seconds, read from the environment."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from events import LATEST_VERSION
from inventory.settings import InventorySettings
from runtime.settings import parse_duration


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("10m", timedelta(minutes=10)),
        ("2s", timedelta(seconds=2)),
        ("500ms", timedelta(milliseconds=500)),
        ("1h", timedelta(hours=1)),
        ("1.5s", timedelta(milliseconds=1500)),
        ("30", timedelta(seconds=30)),
        (" 3m ", timedelta(minutes=3)),
        ("0", timedelta(0)),
        (45, timedelta(seconds=45)),
        (0.25, timedelta(milliseconds=250)),
        (timedelta(days=1), timedelta(days=1)),
    ],
)
def test_a_duration_is_parsed(raw, expected):
    assert parse_duration(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "m", "10 minutes", "1d", "-1s", "1e3s", "10M", "ten", "1h30m", True, None]
)
def test_anything_else_is_refused(raw):
    with pytest.raises(ValueError):
        parse_duration(raw)


def test_a_duration_setting_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("RESERVATION_TTL", "500ms")
    monkeypatch.setenv("RESERVATION_SWEEP_INTERVAL", "2")
    s = InventorySettings()
    assert s.reservation_ttl == timedelta(milliseconds=500)
    assert s.reservation_sweep_interval == timedelta(seconds=2)


def test_the_defaults_hold_without_environment(monkeypatch):
    monkeypatch.delenv("RESERVATION_TTL", raising=False)
    monkeypatch.delenv("OUTBOX_RETENTION", raising=False)
    s = InventorySettings()
    assert s.reservation_ttl == timedelta(minutes=10)
    assert s.outbox_retention == timedelta(hours=1)


def test_a_bad_duration_in_the_environment_stops_start_up(monkeypatch):
    monkeypatch.setenv("RESERVATION_TTL", "ten minutes")
    with pytest.raises(ValidationError, match="reservation_ttl"):
        InventorySettings()


def test_the_event_schema_version_is_the_latest_by_default(monkeypatch):
    monkeypatch.delenv("EVENT_SCHEMA_VERSION", raising=False)
    assert InventorySettings().event_schema_version == LATEST_VERSION == 3


@pytest.mark.parametrize("raw, version", [("1", 1), ("2", 2), ("3", 3), (" 1 ", 1)])
def test_the_event_schema_version_comes_from_the_environment(monkeypatch, raw, version):
    monkeypatch.setenv("EVENT_SCHEMA_VERSION", raw)
    assert InventorySettings().event_schema_version == version


@pytest.mark.parametrize("raw", ["0", "4", "", "v1", "1.0", "latest"])
def test_another_event_schema_version_stops_start_up(monkeypatch, raw):
    monkeypatch.setenv("EVENT_SCHEMA_VERSION", raw)
    with pytest.raises(ValidationError, match="event_schema_version"):
        InventorySettings()
