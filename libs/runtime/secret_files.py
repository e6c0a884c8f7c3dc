"""Secrets generated once into files (mode 600, under var/secrets/ for `make up`) and read back on every
later start, so a password survives restarts and is never committed or typed in."""

import contextlib
import os
import secrets
from pathlib import Path

SECRETS_DIR = Path("var/secrets")


def stored_secret(name: str, directory: Path = SECRETS_DIR, nbytes: int = 24) -> str:
    """The secret in `directory/name`, made from `nbytes` random bytes (URL-safe text) if missing."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / name
    value = secrets.token_urlsafe(nbytes)
    with contextlib.suppress(FileExistsError):  # O_EXCL: a concurrent first start keeps one value
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value + "\n")
    stored = path.read_text().strip()
    if not stored:
        raise ValueError(f"{path} is empty: delete it to have a new secret made, or write one into it")
    return stored
