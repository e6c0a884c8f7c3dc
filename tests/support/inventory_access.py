"""A request each protected inventory route would carry out, by route: the e2e and integration tests of
who may call what send them without a token, with a token lacking the scope, and with the scope alone.
They need product `p` with a few units in `main`, a warehouse `east`, and two holds of `p` (one to
release, one to sell)."""

from typing import Any
from uuid import UUID

Example = tuple[str, str, dict[str, Any] | None]  # method, path, JSON body


def examples(p: UUID, released: str, sold: str) -> dict[tuple[str, str], Example]:
    """A request each protected route would carry out, by its (method, path template)."""
    return {
        ("GET", "/inventory/{product_id}/movements"): ("GET", f"/inventory/{p}/movements", None),
        ("GET", "/warehouses"): ("GET", "/warehouses", None),
        ("GET", "/warehouses/{warehouse_id}"): ("GET", "/warehouses/main", None),
        ("GET", "/holds/{hold_id}"): ("GET", f"/holds/{released}", None),
        ("PUT", "/inventory/{product_id}"): ("PUT", f"/inventory/{p}", {"name": "Mug", "quantity": 30}),
        ("POST", "/inventory/{product_id}/stock"): ("POST", f"/inventory/{p}/stock", {"quantity": 2}),
        ("PUT", "/warehouses/{warehouse_id}"): ("PUT", "/warehouses/north", {"name": "N", "priority": 5}),
        ("PUT", "/inventory/{product_id}/warehouses/{warehouse_id}"): (
            "PUT",
            f"/inventory/{p}/warehouses/east",
            {"quantity": 3},
        ),
        ("POST", "/transfers"): (
            "POST",
            "/transfers",
            {"product_id": str(p), "from_warehouse": "main", "to_warehouse": "east", "quantity": 1},
        ),
        ("POST", "/inventory/batch"): (
            "POST",
            "/inventory/batch",
            {"kind": "receive", "warehouse_id": "main", "lines": [{"product_id": str(p), "quantity": 1}]},
        ),
        ("POST", "/holds"): ("POST", "/holds", {"items": [{"product_id": str(p), "quantity": 1}]}),
        ("POST", "/holds/{hold_id}/release"): ("POST", f"/holds/{released}/release", None),
        ("POST", "/holds/{hold_id}/commit"): ("POST", f"/holds/{sold}/commit", {"reference": "POS-1"}),
    }
