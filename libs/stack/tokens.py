"""Development signing keys and bearer tokens, as an identity provider would issue them: an EC P-256 key
and its JWKS in a directory (var/auth for `make up`, a temporary one for tests and isolated stacks), and
tokens signed with it carrying the issuer and audience the services expect by default.
`make token` and `make up` use it through stack.mint.
"""

import base64
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from runtime.auth import scopes as scope_names
from runtime.auth.keys import KeySet
from runtime.auth.verifier import Verifier

LOCAL_DIR = Path("var/auth")
KEY_FILE, JWKS_FILE = "signing-key.pem", "jwks.json"
DEMO_CUSTOMER = uuid.UUID("6f1f3c1e-4c8a-4a5e-9a51-3d1c6a9e2b10")  # the README's customer
DAY = 24 * 3600


def _kid(public: dict[str, Any]) -> str:
    """The key's RFC 7638 thumbprint: the same key always has the same id."""
    canonical = json.dumps({k: public[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


@dataclass(frozen=True)
class Signer:
    directory: Path
    key: ec.EllipticCurvePrivateKey
    kid: str
    issuer: str = scope_names.DEFAULT_ISSUER
    audience: str = scope_names.DEFAULT_AUDIENCE

    @classmethod
    def at(cls, directory: str | Path) -> "Signer":
        """The key kept in `directory`, made (private key mode 600, and its jwks.json) if missing."""
        directory = Path(directory)
        pem = directory / KEY_FILE
        if pem.exists():
            key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
            assert isinstance(key, ec.EllipticCurvePrivateKey), f"{pem} is not an EC key"
        else:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = ec.generate_private_key(ec.SECP256R1())
            data = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            fd = os.open(pem, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        public = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
        signer = cls(directory, key, _kid(public))
        jwks = {"keys": [{**public, "kid": signer.kid, "use": "sig", "alg": "ES256"}]}
        (directory / JWKS_FILE).write_text(json.dumps(jwks, indent=2) + "\n")
        return signer

    @property
    def jwks_file(self) -> Path:
        return (self.directory / JWKS_FILE).resolve()

    def env(self) -> dict[str, str]:
        """What a service needs to accept this signer's tokens."""
        return {
            "AUTH_JWKS_FILE": str(self.jwks_file),
            "AUTH_ISSUER": self.issuer,
            "AUTH_AUDIENCE": self.audience,
        }

    def mint(
        self,
        subject: uuid.UUID | str = DEMO_CUSTOMER,
        scopes: Iterable[str] = scope_names.CUSTOMER,
        ttl_s: float = DAY / 2,
        **claims: Any,
    ) -> str:
        """A token for `subject` (its customer id too) granting `scopes`; `claims` add or override any."""
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(subject),
            "iat": now,
            "nbf": now,
            "exp": now + int(ttl_s),
            "scope": " ".join(sorted(scopes)),
            **claims,
        }
        return jwt.encode(payload, self.key, algorithm="ES256", headers={"kid": self.kid})

    def admin(self, subject: uuid.UUID | str = DEMO_CUSTOMER) -> str:
        """A token with every scope: the operator's (tests, the benchmark)."""
        return self.mint(subject, scope_names.ALL)

    def verifier(self) -> Verifier:
        """A verifier accepting this signer's tokens, for an application built in a test:
        `app[guard.VERIFIER] = signer.verifier()`."""
        return Verifier(KeySet.from_file(self.jwks_file), self.issuer, self.audience, "sub", leeway_s=30)

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.admin()}"}
