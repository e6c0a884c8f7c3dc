"""A service's Prometheus counters, read from its /metrics endpoint."""

import aiohttp
from prometheus_client.parser import text_string_to_metric_families


async def counter(http: aiohttp.ClientSession, base_url: str, name: str, **labels: str) -> float:
    """The sum of `name` over the samples whose labels include `labels` (0 when there are none)."""
    async with http.get(f"{base_url}/metrics") as r:
        text = await r.text()
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )
