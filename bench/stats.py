"""Percentiles (nearest rank) and rounding for the report."""

import math


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summary(values: list[float], points: tuple[int, ...] = (50, 95, 99)) -> dict[str, float | None]:
    ordered = sorted(values)
    out: dict[str, float | None] = {f"p{p}": _round(percentile(ordered, p)) for p in points}
    out["max"] = _round(ordered[-1]) if ordered else None
    return out


def _round(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 1)
