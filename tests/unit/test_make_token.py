"""`make token` (stack.mint): the token alone on the last line, for the subject and scopes asked, and
verified by the services' verifier; a subject that is not a UUID or an unknown scope is refused."""

from uuid import uuid4

import pytest

from runtime.auth import scopes
from stack import mint
from stack.tokens import Signer


async def test_the_last_line_is_a_token_for_the_subject_and_scopes(tmp_path, capsys) -> None:
    customer = uuid4()
    assert (
        mint.main(["--dir", str(tmp_path), "--sub", str(customer), "--scopes", "orders:read holds:write"])
        == 0
    )
    token = capsys.readouterr().out.splitlines()[-1]
    principal = await Signer.at(tmp_path).verifier().verify(token)
    assert principal.customer_id == customer
    assert principal.scopes == {scopes.ORDERS_READ, scopes.HOLDS_WRITE}


async def test_by_default_the_demo_customer_may_place_and_read(tmp_path, capsys) -> None:
    assert mint.main(["--dir", str(tmp_path)]) == 0
    principal = await Signer.at(tmp_path).verifier().verify(capsys.readouterr().out.splitlines()[-1])
    assert principal.scopes == scopes.CUSTOMER


@pytest.mark.parametrize("args", [["--sub", "alice"], ["--scopes", "orders:read orders:everything"]])
def test_a_bad_subject_or_scope_is_refused(tmp_path, capsys, args: list[str]) -> None:
    assert mint.main(["--dir", str(tmp_path), *args]) == 2
    assert capsys.readouterr().out == ""


def test_env_names_the_jwks_the_services_verify_with(tmp_path, capsys) -> None:
    assert mint.main(["--dir", str(tmp_path), "--env"]) == 0
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    assert lines == {
        "AUTH_JWKS_FILE": str((tmp_path / "jwks.json").resolve()),
        "AUTH_ISSUER": scopes.DEFAULT_ISSUER,
        "AUTH_AUDIENCE": scopes.DEFAULT_AUDIENCE,
    }
