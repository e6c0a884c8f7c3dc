"""The README's settings table, generated from the services' settings classes (`make settings-table`).

One row per environment variable: its name, its default (per service where they differ), the services
that read it and its `Field(description=...)`. It lives in scripts/, not libs/runtime, because it
imports the four services, which import runtime. `--check` exits non-zero when the README disagrees.
"""

import argparse
import importlib
import os
import sys
import typing
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from events.names import SERVICES
from runtime.settings import ServiceSettings

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"
COMMAND = "make settings-table"
_DURATION_UNITS = (("h", 3600_000), ("m", 60_000), ("s", 1000), ("ms", 1))


def settings_classes() -> dict[str, type[ServiceSettings]]:
    """Each service's settings class: the ServiceSettings subclass its `<service>.settings` defines."""
    found = {}
    for service in SERVICES:
        module = importlib.import_module(f"{service}.settings")
        classes = [
            c
            for c in vars(module).values()
            if isinstance(c, type)
            and issubclass(c, ServiceSettings)
            and c is not ServiceSettings
            and c.__module__ == module.__name__
        ]
        if len(classes) != 1:
            raise LookupError(f"{module.__name__} must define one ServiceSettings subclass, found {classes}")
        found[service] = classes[0]
    return found


def show_default(value: object) -> str:
    """A default as a user would write it in the environment."""
    if isinstance(value, timedelta):
        ms = round(value.total_seconds() * 1000)
        unit, size = next((u, s) for u, s in _DURATION_UNITS if ms % s == 0)
        return f"{ms // size}{unit}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    raise TypeError(f"no way to show a default of type {type(value).__name__}")


def _description(cls: type[ServiceSettings], name: str) -> str:
    """The field's description, from the class or the nearest base that declares one (a subclass that
    only changes a default, `database_url: str = "..."`, keeps its base's description)."""
    for klass in cls.__mro__:
        info: FieldInfo | None = getattr(klass, "model_fields", {}).get(name)
        if info is not None and info.description:
            choices = (
                typing.get_args(info.annotation)
                if typing.get_origin(info.annotation) is typing.Literal
                else ()
            )
            return info.description + (f"; one of {', '.join(f'`{c}`' for c in choices)}" if choices else "")
    source = sys.modules[cls.__module__].__file__
    raise ValueError(
        f"{cls.__name__}.{name} ({source}) has no description: declare it as "
        f"`{name}: ... = Field(<default>, description=...)`, then run `{COMMAND}`"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _per_service(defaults: dict[str, list[str]]) -> str:
    """Defaults that differ by service; URLs that differ only at the end share their start:
    `postgresql://…/<x>`, x: `orders` order, `payments` payment, ..."""
    shown = [value.strip("`") for value in defaults]
    prefix = os.path.commonprefix(shown)
    prefix = prefix[: prefix.rfind("/") + 1]
    if len(prefix) < 8:
        return ", ".join(f"{value} {' '.join(services)}" for value, services in defaults.items())
    return f"`{prefix}<x>`, x: " + ", ".join(
        f"`{value[len(prefix) :]}` {' '.join(services)}"
        for value, services in zip(shown, defaults.values(), strict=True)
    )


def rows() -> list[tuple[str, str, str, str]]:
    """(variable, default, read by, what) for every setting, the shared ones first."""
    classes = settings_classes()
    names = list(dict.fromkeys(name for cls in classes.values() for name in cls.model_fields))
    table = []
    for name in names:
        readers = {s: cls for s, cls in classes.items() if name in cls.model_fields}
        defaults: dict[str, list[str]] = {}
        for service, cls in readers.items():
            default = cls.model_fields[name].get_default(call_default_factory=True)
            if default is PydanticUndefined or default is None:  # None: an optional setting, unset
                shown = "required" if default is PydanticUndefined else "unset"
            else:
                shown = f"`{show_default(default)}`"
            defaults.setdefault(shown, []).append(service)
        default_cell = next(iter(defaults)) if len(defaults) == 1 else _per_service(defaults)
        read_by = "all" if len(readers) == len(classes) else ", ".join(readers)
        cls = next(iter(readers.values()))
        table.append((f"`{name.upper()}`", _cell(default_cell), read_by, _cell(_description(cls, name))))
    return table


def render() -> str:
    lines = ["| variable | default | read by | what |", "| -------- | ------- | ------- | ---- |"]
    lines += [f"| {' | '.join(row)} |" for row in rows()]
    return "\n".join(lines) + "\n"


def replace_table(text: str, table: str) -> str:
    """`text` with everything between the markers replaced by `table`."""
    try:
        head, rest = text.split(START + "\n", 1)
        _, tail = rest.split(END, 1)
    except ValueError:
        raise ValueError(f"README.md must hold the table between {START!r} and {END!r} lines") from None
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether README.md is up to date")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    current = args.readme.read_text()
    wanted = replace_table(current, render())
    if args.check:
        if wanted != current:
            print(f"{args.readme}: the settings table disagrees with the settings classes; run `{COMMAND}`")
            return 1
        return 0
    if wanted != current:
        args.readme.write_text(wanted)
        print(f"{args.readme}: settings table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
