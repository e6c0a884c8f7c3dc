"""The README's settings table is the one scripts/settings_table.py generates from the settings classes."""

import importlib.util
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from runtime.settings import ServiceSettings, parse_duration

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "settings_table.py"
_spec = importlib.util.spec_from_file_location("settings_table", SCRIPT)
assert _spec is not None and _spec.loader is not None
settings_table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(settings_table)


def test_the_readme_table_is_the_generated_one():
    readme = settings_table.README.read_text()
    assert settings_table.replace_table(readme, settings_table.render()) == readme, (
        f"README.md's settings table disagrees with the settings classes: run `{settings_table.COMMAND}`"
    )


def test_every_setting_of_every_service_has_a_row():
    variables = {row[0].strip("`") for row in settings_table.rows()}
    for cls in settings_table.settings_classes().values():
        assert {name.upper() for name in cls.model_fields} <= variables


def test_a_stale_table_is_found_and_rewritten(tmp_path, capsys):
    readme = tmp_path / "README.md"
    current = settings_table.replace_table(settings_table.README.read_text(), settings_table.render())
    readme.write_text(current.replace("| `RESERVATION_TTL` | `10m` |", "| `RESERVATION_TTL` | `5m` |"))
    assert settings_table.main(["--check", "--readme", str(readme)]) == 1
    assert settings_table.COMMAND in capsys.readouterr().out
    assert settings_table.main(["--readme", str(readme)]) == 0
    assert readme.read_text() == current
    assert settings_table.main(["--check", "--readme", str(readme)]) == 0


def test_a_readme_without_markers_is_refused():
    with pytest.raises(ValueError, match="settings-table:start"):
        settings_table.replace_table("# no table here\n", "| x |\n")


@pytest.mark.parametrize(
    "value, shown",
    [
        (timedelta(minutes=10), "10m"),
        (timedelta(seconds=2), "2s"),
        (timedelta(milliseconds=100), "100ms"),
        (timedelta(hours=1), "1h"),
        (timedelta(milliseconds=1500), "1500ms"),
        (5.0, "5"),
        (0.5, "0.5"),
        (3, "3"),
        (Decimal("10000.00"), "10000.00"),
        ("classic", "classic"),
    ],
)
def test_defaults_are_shown_as_the_environment_takes_them(value, shown):
    assert settings_table.show_default(value) == shown
    if isinstance(value, timedelta):
        assert parse_duration(shown) == value


def test_a_setting_without_a_description_is_refused_with_the_fix():
    class Undocumented(ServiceSettings):
        database_url: str = "postgresql://x/y"
        http_port: int = 1
        extra_knob: int = 3

    with pytest.raises(
        ValueError, match=r"Undocumented\.extra_knob .* Field\(<default>, description="
    ) as err:
        settings_table._description(Undocumented, "extra_knob")
    assert settings_table.COMMAND in str(err.value)


def test_a_subclass_that_only_changes_a_default_keeps_its_base_description():
    shipping = settings_table.settings_classes()["shipping"]
    assert settings_table._description(shipping, "database_url") == (
        ServiceSettings.model_fields["database_url"].description
    )
