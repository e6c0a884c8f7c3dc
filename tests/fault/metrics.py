"""A service's Prometheus counters, read from its /metrics listener (Stack.metrics_url)."""

import aiohttp
from prometheus_client.parser import text_string_to_metric_families


async def counter(http: aiohttp.ClientSession, metrics_url: str, name: str, **labels: str) -> float:
    """The sum of `name` over the samples whose labels include `labels` (0 when there are none)."""
    async with http.get(metrics_url) as r:
        assert r.status == 200, f"{metrics_url}: {r.status}"
        text = await r.text()
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )
