"""The invariants of docs/design.md as pure functions over what `reads` returned: each yields its violations."""

from events.statuses import CONFIRMED, TERMINAL


def orders_not_terminal(o: dict) -> list:
    return [str(k) for k, s in o["status"].items() if s not in TERMINAL]


def _balance_problems(s: dict, where: str = "") -> list[str]:
    """The stock equations of one stock row (a product's totals, or one warehouse's)."""
    problems = []
    if s["on_hand"] != s["received_total"] - s["committed_total"]:
        problems.append(f"{where}on_hand != received - committed")
    if s["reserved"] != s["active_reserved"]:
        problems.append(f"{where}reserved {s['reserved']} != active reservations {s['active_reserved']}")
    if s["on_hand"] - s["reserved"] < 0:
        problems.append(f"{where}available < 0")
    if s["on_hand"] != s["ledger_on_hand"] or s["reserved"] != s["ledger_reserved"]:
        problems.append(f"{where}stock differs from the movements ledger")
    return problems


def stock_equations(inv: dict) -> list:
    """Per product and per warehouse: on_hand = received - committed = what the ledger rebuilds,
    reserved = the active reservations and holds, available >= 0; the product's totals are its
    warehouses' sums, and it is stocked in one warehouse at least."""
    bad = []
    for pid, p in inv["products"].items():
        problems = _balance_problems(p)
        for place in p["places"]:
            problems.extend(_balance_problems(place, f"{place['warehouse_id']}: "))
        if not p["places"]:
            problems.append("stocked in no warehouse")
        for column in ("on_hand", "reserved", "received_total", "committed_total"):
            if p[column] != sum(place[column] for place in p["places"]):
                problems.append(f"{column} != the sum over its warehouses")
        if problems:
            bad.append({"product_id": str(pid), "problems": problems})
    return bad


def reservations_not_ended_once(inv: dict) -> list:
    """A reservation or hold ends exactly once: each of its lines settled (committed, released or
    expired) once when it has ended, none while it is active."""
    return [
        {
            "reservation_id": str(r["reservation_id"]),
            "status": r["status"],
            "lines": r["lines"],
            "settled": r["settled"],
        }
        for r in inv["reservation_ends"]
        if r["settled"] != (0 if r["status"] == "ACTIVE" else r["lines"])
    ]


def oversold(o: dict, inv: dict) -> list:
    received = {pid: p["received_total"] for pid, p in inv["products"].items()}
    return [
        {"product_id": str(pid), "confirmed_units": units, "received": received.get(pid, 0)}
        for pid, units in o["confirmed_units"].items()
        if units > received.get(pid, 0)
    ]


def prices_not_copied(o: dict, inv: dict) -> list:
    """Every price inventory set has reached the order service's copy (inventory.price_changed)."""
    return [
        {"product_id": str(pid), "inventory": str(p["price"]), "order": str(o["prices"].get(pid))}
        for pid, p in inv["products"].items()
        if p["price"] is not None and o["prices"].get(pid) != p["price"]
    ]


def payments_above_one(pay: dict) -> list:
    counts = {**pay["payments_per_order"]}
    return [
        str(k)
        for k in set(counts) | set(pay["charges"])
        if counts.get(k, 0) > 1 or pay["charges"].get(k, 0) > 1
    ]


def money(o: dict, pay: dict) -> dict[str, list]:
    status, payment, refunds = o["status"], pay["payment"], pay["refunds"]
    return {
        # an approved charge on an order that did not confirm must have been reversed
        "approved_not_reversed": [
            str(k) for k, p in payment.items() if p == "APPROVED" and status.get(k) != CONFIRMED
        ],
        "confirmed_payment_not_approved": [
            str(k) for k, s in status.items() if s == CONFIRMED and payment.get(k) != "APPROVED"
        ],
        "refunds_not_exactly_once": [
            str(k)
            for k, p in payment.items()
            if (p == "REVERSED") != (refunds.get(k, 0) == 1) or refunds.get(k, 0) > 1
        ],
        "charges_unrecorded": [
            str(k) for k in pay["charges"] if payment.get(k) not in ("APPROVED", "REVERSED")
        ],
    }


def stock_outcomes(o: dict, inv: dict, ship: dict) -> dict[str, list]:
    status, reservation, shipments = o["status"], inv["reservation"], ship["shipments"]
    return {
        "confirmed_without_commit": [
            str(k) for k, s in status.items() if s == CONFIRMED and reservation.get(k) != "COMMITTED"
        ],
        "committed_not_confirmed": [
            str(k) for k, r in reservation.items() if r == "COMMITTED" and status.get(k) != CONFIRMED
        ],
        "reservations_still_active": [
            str(k) for k, r in reservation.items() if r == "ACTIVE" and status.get(k) in TERMINAL
        ],
        "shipped_without_commit": [  # any of the order's shipments
            str(k) for k, s in shipments.items() if "SCHEDULED" in s and reservation.get(k) != "COMMITTED"
        ],
        # an order's shipments are scheduled together and cancelled together: one left behind would
        # leave while the rest of the order went back
        "shipments_split": [str(k) for k, s in shipments.items() if len(s) > 1],
    }
