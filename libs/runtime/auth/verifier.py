"""Verify a bearer JWT and read its Principal: only the algorithms allowed, only a key of the JWKS
(the one the token's kid names, used with that key's own algorithm), the issuer and audience
configured, `exp` required, `nbf` honoured, within AUTH_LEEWAY of clock skew.

A client sends the same token with every request for as long as it lives, and checking a signature
costs more than the rest of a request's authentication: a token that verified is kept (the whole token
string, its signature included, is the key) until its `exp`, and never longer than VERIFIED_TTL_S, so a
key the identity provider withdraws stops being honoured within that (about as soon as the JWKS cache
would notice). Only good tokens are kept; a bad one is checked, and refused, every time."""

import time
from collections.abc import Callable

import jwt
from cachetools import TLRUCache

from runtime.auth.keys import KeySet
from runtime.auth.principal import InvalidToken, Principal, principal_of
from runtime.settings import ServiceSettings

ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})  # never `none`, never a shared-secret HS*
REQUIRED = ["exp", "iss", "aud", "sub"]
_REASONS: list[tuple[type[jwt.InvalidTokenError], str]] = [
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidIssuerError, "the token's issuer is not accepted"),
    (jwt.InvalidAudienceError, "the token's audience is not this API"),
    (jwt.InvalidSignatureError, "the token's signature does not verify"),
]


VERIFIED_TTL_S = 60.0  # the longest a verified token is trusted without checking its signature again
VERIFIED_MAX = 10_000  # tokens kept at most (least recently used go first)


class AuthConfigError(ValueError):
    """The settings give no way to verify tokens: the service refuses to start."""


class Verifier:
    def __init__(
        self,
        keys: KeySet,
        issuer: str,
        audience: str,
        customer_claim: str,
        leeway_s: float,
        clock: Callable[[], float] = time.time,  # what the kept tokens' expiry is measured by
    ) -> None:
        self.keys, self.issuer, self.audience = keys, issuer, audience
        self.customer_claim, self.leeway_s = customer_claim, leeway_s
        # token -> (its Principal, its exp); kept until min(exp, now + VERIFIED_TTL_S), wall-clock time
        self._verified: TLRUCache[str, tuple[Principal, float]] = TLRUCache(
            maxsize=VERIFIED_MAX,
            ttu=lambda _token, value, now: min(value[1], now + VERIFIED_TTL_S),
            timer=clock,
        )

    @classmethod
    def from_settings(cls, s: ServiceSettings) -> "Verifier":
        if s.auth_jwks_url and s.auth_jwks_file:
            raise AuthConfigError("set one of AUTH_JWKS_URL and AUTH_JWKS_FILE, not both")
        if s.auth_jwks_url:
            keys = KeySet.from_url(s.auth_jwks_url, s.auth_jwks_cache.total_seconds())
        elif s.auth_jwks_file:
            try:
                keys = KeySet.from_file(s.auth_jwks_file)
            except (OSError, ValueError) as exc:
                raise AuthConfigError(f"AUTH_JWKS_FILE={s.auth_jwks_file}: {exc}") from None
        else:
            raise AuthConfigError(
                "no way to verify bearer tokens: set AUTH_JWKS_URL (your identity provider's JWKS) or"
                " AUTH_JWKS_FILE (`make up` writes var/auth/jwks.json)"
            )
        return cls(keys, s.auth_issuer, s.auth_audience, s.auth_customer_claim, s.auth_leeway.total_seconds())

    async def verify(self, token: str) -> Principal:
        """The token's Principal; InvalidToken (saying why) for anything that cannot be trusted."""
        kept = self._verified.get(token)
        if kept is not None:
            return kept[0]
        principal, expires = await self._check(token)
        self._verified[token] = (principal, expires)
        return principal

    async def _check(self, token: str) -> tuple[Principal, float]:
        """The token verified from scratch: its Principal and its `exp`."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise InvalidToken("the token is not a well-formed JWT") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS:
            raise InvalidToken(
                f"the token's algorithm is not accepted (one of {', '.join(sorted(ALGORITHMS))})"
            )
        if not isinstance(kid, str):
            raise InvalidToken("the token names no key (kid)")
        key = await self.keys.key(kid)
        if key is None:
            raise InvalidToken("the token's key (kid) is not one of the issuer's keys")
        if key.algorithm_name != alg:
            raise InvalidToken("the token's algorithm is not its key's")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_s,
                options={"require": REQUIRED},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"the token has no {exc.claim} claim") from None
        except jwt.InvalidTokenError as exc:
            reason = next((text for kind, text in _REASONS if isinstance(exc, kind)), "the token is invalid")
            raise InvalidToken(reason) from None
        return principal_of(claims, self.customer_claim), float(claims["exp"])
