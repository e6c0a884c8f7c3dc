"""The messaging tables every service database holds (outbox, inbox): the migrations that create them."""

from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
