"""Import a definitions document through the management API (`POST /api/definitions`), as an
administrator: the operator, or the broker's bootstrap administrator the first time."""

import base64
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import aiohttp


def api_base(url: str) -> tuple[str, dict[str, str]]:
    """`http://user:password@host:15672` -> (`http://host:15672`, its Authorization header)."""
    parts = urlsplit(url)
    login = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}", {
        "Authorization": "Basic " + base64.b64encode(login.encode()).decode()
    }


async def import_definitions(api_url: str, document: dict[str, Any], timeout_s: float = 30) -> None:
    base, auth = api_base(api_url)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with http.post(base + "/api/definitions", json=document, headers=auth) as resp:
            if resp.status >= 300:
                raise RuntimeError(f"importing the definitions: {resp.status} {await resp.text()}")


async def delete_users(api_url: str, names: list[str], timeout_s: float = 30) -> None:
    """Remove users (a test stack's, at teardown); one already gone is fine."""
    base, auth = api_base(api_url)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as http:
        for name in names:
            async with http.delete(f"{base}/api/users/{quote(name, safe='')}", headers=auth) as resp:
                if resp.status >= 300 and resp.status != 404:
                    raise RuntimeError(f"deleting broker user {name}: {resp.status} {await resp.text()}")
