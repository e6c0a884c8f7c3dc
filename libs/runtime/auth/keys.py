"""The identity provider's public keys (a JWKS), by key id: read once from a file, or fetched from a URL
and kept for AUTH_JWKS_CACHE, fetched again sooner (at most every REFETCH_S) when a token names a key
not seen yet (the provider rotated). Lookups are a dict read: this is on the path of every request."""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt

log = logging.getLogger(__name__)
REFETCH_S = 30.0  # an unknown kid fetches the JWKS again at most this often (a flood of forged kids)


def parse_jwks(document: dict[str, Any]) -> dict[str, jwt.PyJWK]:
    """kid -> key, for the signing keys of a JWKS document that name a kid; others are left out."""
    keys = {}
    for entry in document.get("keys", []):
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig" or not entry.get("kid"):
            continue
        try:
            keys[str(entry["kid"])] = jwt.PyJWK(entry)
        except jwt.PyJWKError as exc:
            log.warning("JWKS key left out", extra={"kid": entry.get("kid"), "error": str(exc)})
    return keys


class KeySet:
    def __init__(
        self, keys: dict[str, jwt.PyJWK], fetch: Callable[[], dict[str, Any]] | None = None, ttl_s: float = 0
    ) -> None:
        self._keys, self._fetch, self._ttl_s = keys, fetch, ttl_s
        self._fetched_at = time.monotonic() if keys else float("-inf")
        self._lock = asyncio.Lock()

    @classmethod
    def from_file(cls, path: str | Path) -> "KeySet":
        keys = parse_jwks(json.loads(Path(path).read_text()))
        if not keys:
            raise ValueError(f"{path} holds no signing key with a kid")
        return cls(keys)

    @classmethod
    def from_url(cls, url: str, ttl_s: float) -> "KeySet":
        client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=5)
        return cls({}, client.fetch_data, ttl_s)

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """The key `kid`, or None when the JWKS has no such key."""
        if self._fetch is None:
            return self._keys.get(kid)
        age = time.monotonic() - self._fetched_at
        if age > self._ttl_s or (kid not in self._keys and age > REFETCH_S):
            await self._refresh()
        return self._keys.get(kid)

    async def warm(self) -> None:
        """Fetch a URL's keys now (at start-up), so the first request does not wait for them."""
        if self._fetch is not None and not self._keys:
            await self._refresh()

    async def _refresh(self) -> None:
        assert self._fetch is not None
        async with self._lock:
            if time.monotonic() - self._fetched_at <= REFETCH_S:  # another request fetched meanwhile
                return
            try:
                keys = parse_jwks(await asyncio.to_thread(self._fetch))
            except Exception as exc:  # the provider unreachable: keep the keys we have, try again later
                log.warning("JWKS fetch failed", extra={"error": repr(exc)})
                keys = self._keys
            self._keys, self._fetched_at = keys, time.monotonic()
