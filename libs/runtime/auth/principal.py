"""Who is calling: the verified token's subject, its customer id and its scopes."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from runtime.auth import scopes
from runtime.params import UUID_TEXT


class InvalidToken(Exception):
    """The token cannot be trusted or read; the message says why (sent as error_description)."""


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    customer_id: UUID
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def scopes_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """OAuth2's `scope` (a space-separated string) and `scp` (a list, as some providers send), merged."""
    found: set[str] = set()
    scope = claims.get("scope")
    if isinstance(scope, str):
        found.update(scope.split())
    scp = claims.get("scp")
    if isinstance(scp, str):
        found.update(scp.split())
    elif isinstance(scp, list):
        found.update(s for s in scp if isinstance(s, str))
    return frozenset(found)


def principal_of(claims: Mapping[str, Any], customer_claim: str) -> Principal:
    """The Principal of verified claims; InvalidToken when the subject or the customer id is missing or
    the customer id is not a UUID."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("the token has no subject (sub)")
    customer = claims.get(customer_claim)
    if not isinstance(customer, str) or not UUID_TEXT.fullmatch(customer):
        raise InvalidToken(f"the token's {customer_claim} claim is not a customer id (a UUID)")
    return Principal(subject, UUID(customer), scopes.granted(scopes_of(claims)))
