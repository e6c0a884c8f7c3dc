"""Per-service PostgreSQL roles, provisioned as the superuser: a LOGIN role with a password (no
superuser, no CREATEDB), its database owned by it and closed to every other role, and a database from
before roles (owned by postgres, tables and all) handed over to it. Idempotent: run it on every start."""

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2
from psycopg2.extensions import connection, encrypt_password

from runtime.handover import hand_over

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
ROLE_OPTIONS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"


def database_role(service: str, prefix: str = "") -> str:
    """The role a service connects as: `order_service`, or `<prefix>_order_service` in a test stack."""
    return f"{prefix}_{service}_service" if prefix else f"{service}_service"


def ident(name: str) -> str:
    """A role or database name we generate, checked and quoted (no name reaches SQL unchecked)."""
    if not _NAME.match(name):
        raise ValueError(f"not a plain lower-case PostgreSQL name: {name!r}")
    return f'"{name}"'


@dataclass(frozen=True)
class DatabaseRole:
    role: str
    password: str
    database: str

    def url(self, server_url: str) -> str:
        """`server_url` (the superuser's, any database) with this role's credentials and database."""
        parts = urlsplit(server_url)
        host = parts.hostname or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        port = f":{parts.port}" if parts.port else ""
        netloc = f"{quote(self.role, safe='')}:{quote(self.password, safe='')}@{host}{port}"
        return urlunsplit(parts._replace(netloc=netloc, path=f"/{self.database}"))

    def __repr__(self) -> str:  # never print the password
        return f"DatabaseRole(role={self.role!r}, database={self.database!r})"


def _connect(server_url: str, database: str | None = None) -> connection:
    url = urlunsplit(urlsplit(server_url)._replace(path=f"/{database}")) if database else server_url
    conn = psycopg2.connect(url, connect_timeout=10)
    conn.autocommit = True  # CREATE DATABASE runs outside a transaction
    return conn


def _ensure_role(conn: connection, role: str, password: str) -> None:
    # the SCRAM verifier is computed here (libpq): the password itself never reaches the server or its logs
    verifier = encrypt_password(password, role, scope=conn, algorithm="scram-sha-256")
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        verb = "ALTER" if cur.fetchone() else "CREATE"
        cur.execute(f"{verb} ROLE {ident(role)} {ROLE_OPTIONS} PASSWORD %s", (verifier,))


def _ensure_database(conn: connection, database: str, role: str) -> bool:
    """Create the database owned by `role`, or give an existing one to it; True when it existed."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (database,))
        row = cur.fetchone()
        if row is None:
            cur.execute(f"CREATE DATABASE {ident(database)} OWNER {ident(role)}")
        elif row[0] != role:
            cur.execute(f"ALTER DATABASE {ident(database)} OWNER TO {ident(role)}")
        # PUBLIC may CONNECT and make TEMP tables in every new database: only the owner may here
        cur.execute(f"REVOKE ALL ON DATABASE {ident(database)} FROM PUBLIC")
    return row is not None


def provision(server_url: str, grant: DatabaseRole) -> int:
    """Make `grant` true on the server `server_url` (a superuser's URL): the role with this password, the
    database owned by it; returns how many objects of an older database were handed over to it."""
    conn = _connect(server_url)
    try:
        _ensure_role(conn, grant.role, grant.password)
        existed = _ensure_database(conn, grant.database, grant.role)
    finally:
        conn.close()
    if not existed:
        return 0
    conn = _connect(server_url, grant.database)
    try:
        return hand_over(conn, grant.role)
    finally:
        conn.close()


def drop_roles(server_url: str, prefix: str) -> None:
    """Drop every role named `<prefix>...` (a test stack's, once its databases are gone)."""
    conn = _connect(server_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s)", (prefix,))
            for (role,) in cur.fetchall():
                cur.execute(f"DROP ROLE IF EXISTS {ident(role)}")
    finally:
        conn.close()
