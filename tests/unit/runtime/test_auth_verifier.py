"""The token verifier against keys made here: what it accepts, and every way a token is refused."""

import json
import time
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from order.settings import OrderSettings
from runtime.auth.keys import KeySet, parse_jwks
from runtime.auth.principal import InvalidToken
from runtime.auth.verifier import AuthConfigError, Verifier

ISS, AUD = "https://idp.example/realms/shop", "order-api"
CUSTOMER = uuid4()
EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED_KEY = ed25519.Ed25519PrivateKey.generate()
KEYS = {  # kid -> (private key, algorithm, public JWK)
    "ec-1": (EC_KEY, "ES256", ECAlgorithm.to_jwk(EC_KEY.public_key(), as_dict=True)),
    "rsa-1": (RSA_KEY, "RS256", RSAAlgorithm.to_jwk(RSA_KEY.public_key(), as_dict=True)),
    "ed-1": (ED_KEY, "EdDSA", OKPAlgorithm.to_jwk(ED_KEY.public_key(), as_dict=True)),
}
JWKS = {"keys": [{**jwk, "kid": kid, "use": "sig"} for kid, (_, _, jwk) in KEYS.items()]}


def verifier(customer_claim: str = "sub") -> Verifier:
    return Verifier(KeySet(parse_jwks(JWKS)), ISS, AUD, customer_claim, leeway_s=5)


def claims(**changes: object) -> dict:
    now = int(time.time())
    base = {
        "iss": ISS,
        "aud": AUD,
        "sub": str(CUSTOMER),
        "iat": now,
        "exp": now + 300,
        "scope": "orders:read",
    }
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def token(kid: str = "ec-1", key: object = None, alg: str | None = None, **changes: object) -> str:
    private, algorithm, _ = KEYS[kid]
    return jwt.encode(claims(**changes), key or private, algorithm=alg or algorithm, headers={"kid": kid})


@pytest.mark.parametrize("kid", list(KEYS))
async def test_a_good_token_of_each_key_type_gives_its_principal(kid: str) -> None:
    p = await verifier().verify(token(kid, scope="orders:write orders:read", scp=["holds:write"]))
    assert (p.subject, p.customer_id) == (str(CUSTOMER), CUSTOMER)
    assert p.scopes == {"orders:write", "orders:read", "holds:write"}
    assert p.allows("orders:read") and not p.allows("orders:admin")


async def test_orders_admin_reads_and_places_for_anyone() -> None:
    p = await verifier().verify(token(scope="orders:admin"))
    assert p.scopes == {"orders:admin", "orders:read", "orders:write"}


async def test_the_customer_id_comes_from_the_configured_claim() -> None:
    other = uuid4()
    p = await verifier("customer_id").verify(token(sub="auth0|abc", customer_id=str(other)))
    assert (p.subject, p.customer_id) == ("auth0|abc", other)


def _unsigned(**changes: object) -> str:
    def b64(data: dict) -> str:
        return jwt.utils.base64url_encode(json.dumps(data).encode()).decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': 'ec-1'})}.{b64(claims(**changes))}."


def _hs256_with_public_key() -> str:
    """The classic confusion: HMAC keyed with the public key's PEM."""
    return jwt.encode(
        claims(), "a shared secret that is not a key", algorithm="HS256", headers={"kid": "rsa-1"}
    )


REFUSED = {
    "expired": (lambda: token(exp=int(time.time()) - 60), "expired"),
    "not yet valid": (lambda: token(nbf=int(time.time()) + 3600), "not valid yet"),
    "wrong issuer": (lambda: token(iss="https://evil.example"), "issuer"),
    "wrong audience": (lambda: token(aud="another-api"), "audience"),
    "no exp": (lambda: token(exp=None), "no exp claim"),
    "no sub": (lambda: token(sub=None), "no sub claim"),
    "customer not a UUID": (lambda: token(sub="alice"), "UUID"),
    "alg none": (_unsigned, "algorithm is not accepted"),
    "HS256": (_hs256_with_public_key, "algorithm is not accepted"),
    "unknown kid": (lambda: jwt.encode(claims(), EC_KEY, "ES256", headers={"kid": "ec-9"}), "not one of"),
    "no kid": (lambda: jwt.encode(claims(), EC_KEY, "ES256"), "names no key"),
    "another key, same kid": (lambda: token(key=ec.generate_private_key(ec.SECP256R1())), "signature"),
    "alg of another key type": (lambda: token("rsa-1", key=EC_KEY, alg="ES256"), "not its key's"),
    "not a JWT": (lambda: "not-a-token", "well-formed"),
    "tampered payload": (
        lambda: ".".join(
            [
                (t := token()).split(".")[0],
                jwt.utils.base64url_encode(json.dumps(claims(scope="orders:admin")).encode()).decode(),
                t.split(".")[2],
            ]
        ),
        "signature",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_a_bad_token_is_refused_saying_why(case: str) -> None:
    make, reason = REFUSED[case]
    with pytest.raises(InvalidToken, match=reason):
        await verifier().verify(make())


def test_the_service_does_not_start_without_a_way_to_verify(tmp_path) -> None:
    with pytest.raises(AuthConfigError, match="AUTH_JWKS_URL.*AUTH_JWKS_FILE"):
        Verifier.from_settings(OrderSettings())
    with pytest.raises(AuthConfigError, match="not both"):
        Verifier.from_settings(OrderSettings(auth_jwks_url="https://idp/jwks", auth_jwks_file="x.json"))
    with pytest.raises(AuthConfigError, match="missing.json"):
        Verifier.from_settings(OrderSettings(auth_jwks_file=str(tmp_path / "missing.json")))
    (tmp_path / "empty.json").write_text('{"keys": []}')
    with pytest.raises(AuthConfigError, match="no signing key"):
        Verifier.from_settings(OrderSettings(auth_jwks_file=str(tmp_path / "empty.json")))


async def test_a_jwks_file_is_read_once_at_start(tmp_path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(JWKS))
    v = Verifier.from_settings(OrderSettings(auth_jwks_file=str(path), auth_issuer=ISS, auth_audience=AUD))
    path.unlink()  # read at start-up: verifying needs no file access
    assert (await v.verify(token("ed-1"))).customer_id == CUSTOMER


async def test_a_jwks_url_is_fetched_once_and_again_for_an_unknown_kid(monkeypatch) -> None:
    fetched: list[int] = []
    served = {"keys": JWKS["keys"][:1]}

    def fetch() -> dict:
        fetched.append(1)
        return served

    keys = KeySet({}, fetch, ttl_s=300)
    v = Verifier(keys, ISS, AUD, "sub", 5)
    for _ in range(3):
        await v.verify(token("ec-1"))
    assert len(fetched) == 1
    served = JWKS  # the provider rotated in a key: a token naming it fetches again (not more than REFETCH_S)
    monkeypatch.setattr("runtime.auth.keys.REFETCH_S", 0)
    assert (await v.verify(token("rsa-1"))).customer_id == CUSTOMER
    assert len(fetched) == 2


async def test_keys_from_a_url_are_fetched_at_start_up_and_a_failed_fetch_keeps_the_last_ones(
    monkeypatch,
) -> None:
    calls: list[str] = []

    def fetch() -> dict:
        calls.append("fetch")
        if len(calls) > 1:
            raise OSError("the provider is down")
        return JWKS

    keys = KeySet({}, fetch, ttl_s=0)  # every lookup finds the keys stale
    await keys.warm()
    await keys.warm()  # warm once: the keys are there
    assert calls == ["fetch"]
    monkeypatch.setattr("runtime.auth.keys.REFETCH_S", 0)
    assert await keys.key("ec-1") is not None  # stale, refetched, the fetch failed: the keys stay
    assert calls == ["fetch", "fetch"]


async def test_a_jwks_url_is_read_over_http() -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    async def certs(_request: web.Request) -> web.Response:
        return web.json_response(JWKS)

    app = web.Application()
    app.router.add_get("/certs", certs)
    async with TestServer(app) as server:
        settings = OrderSettings(
            auth_jwks_url=str(server.make_url("/certs")), auth_issuer=ISS, auth_audience=AUD
        )
        v = Verifier.from_settings(settings)
        await v.keys.warm()
        assert (await v.verify(token("rsa-1"))).customer_id == CUSTOMER


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every signature check the verifier makes (jwt.decode), by token."""
    seen: list[str] = []
    decode = jwt.decode

    def counted(token: str, *args: object, **kwargs: object) -> object:
        seen.append(token)
        return decode(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counted)
    return seen


async def test_a_verified_token_is_kept_until_its_expiry_or_a_minute_whichever_comes_first(
    checks: list[str],
) -> None:
    clock = Clock()
    v = Verifier(KeySet(parse_jwks(JWKS)), ISS, AUD, "sub", leeway_s=5, clock=clock)
    long_lived, short_lived = token(exp=int(clock.now) + 3600), token(exp=int(clock.now) + 30)
    for _ in range(3):
        assert (await v.verify(long_lived)).customer_id == CUSTOMER
        await v.verify(short_lived)
    assert checks == [long_lived, short_lived]  # each signature checked once
    clock.now += 31  # past the short-lived token's exp: checked again (and refused once truly expired)
    await v.verify(long_lived)
    await v.verify(short_lived)
    assert checks == [long_lived, short_lived, short_lived]
    clock.now += 30  # a minute since the long-lived one was checked: checked again
    await v.verify(long_lived)
    assert checks[-1] == long_lived and len(checks) == 4


async def test_a_refused_token_is_checked_and_refused_every_time(checks: list[str]) -> None:
    v, bad = verifier(), token(aud="another-api")
    for _ in range(2):
        with pytest.raises(InvalidToken):
            await v.verify(bad)
    assert checks == [bad, bad]
