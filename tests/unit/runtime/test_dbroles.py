"""The names and URLs of the services' PostgreSQL roles, and the secrets kept for them under var/secrets/."""

from pathlib import Path

import pytest

from runtime.dbroles import DatabaseRole, database_role, ident
from runtime.provision import env_variable, grants
from runtime.secret_files import stored_secret


def test_role_names_carry_the_service_and_a_test_stacks_prefix() -> None:
    assert database_role("order") == "order_service"
    assert database_role("order", "saga_1a2b3c4d") == "saga_1a2b3c4d_order_service"
    assert env_variable("inventory") == "INVENTORY_DATABASE_URL"


@pytest.mark.parametrize("name", ['or"der', "Order", "a b", "x;drop", "", "1abc", "a" * 64])
def test_only_plain_names_reach_sql(name: str) -> None:
    with pytest.raises(ValueError):
        ident(name)
    assert ident("saga_1a2b_order_service") == '"saga_1a2b_order_service"'


def test_the_url_is_the_servers_with_the_roles_credentials_database_and_tls_query() -> None:
    grant = DatabaseRole("payment_service", "p@ss/w:rd", "payments")
    server = "postgresql://postgres:admin@db.example:6432/postgres?sslmode=verify-full&sslrootcert=/ca.pem"
    assert grant.url(server) == (
        "postgresql://payment_service:p%40ss%2Fw%3Ard@db.example:6432/payments"
        "?sslmode=verify-full&sslrootcert=/ca.pem"
    )
    assert grant.url("postgresql://postgres@[::1]/postgres") == (
        "postgresql://payment_service:p%40ss%2Fw%3Ard@[::1]/payments"
    )
    assert "p@ss" not in repr(grant)


def test_a_secret_is_made_once_private_and_then_kept(tmp_path: Path) -> None:
    first = stored_secret("postgres-order_service", tmp_path / "secrets")
    assert len(first) >= 32
    assert stored_secret("postgres-order_service", tmp_path / "secrets") == first
    assert (tmp_path / "secrets" / "postgres-order_service").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "secrets").stat().st_mode & 0o777 == 0o700
    assert stored_secret("postgres-payment_service", tmp_path / "secrets") != first


def test_a_secret_written_by_hand_is_used_and_an_empty_one_refused(tmp_path: Path) -> None:
    (tmp_path / "chosen").write_text("my-own-password\n")
    assert stored_secret("chosen", tmp_path) == "my-own-password"
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ValueError, match="empty"):
        stored_secret("empty", tmp_path)


def test_make_up_provisions_the_four_services_under_their_own_names(tmp_path: Path) -> None:
    found = grants(tmp_path)
    assert {s: (g.role, g.database) for s, g in found.items()} == {
        "order": ("order_service", "orders"),
        "payment": ("payment_service", "payments"),
        "inventory": ("inventory_service", "inventory"),
        "shipping": ("shipping_service", "shipping"),
    }
    assert len({g.password for g in found.values()}) == 4
