"""The invariants of docs/design.md as pure functions over what `reads` returned: each yields its violations."""

from events.statuses import CONFIRMED, TERMINAL


def orders_not_terminal(o: dict) -> list:
    return [str(k) for k, s in o["status"].items() if s not in TERMINAL]


def stock_equations(inv: dict) -> list:
    bad = []
    for pid, p in inv["products"].items():
        problems = []
        if p["on_hand"] != p["received_total"] - p["committed_total"]:
            problems.append("on_hand != received - committed")
        if p["reserved"] != p["active_reserved"]:
            problems.append(f"reserved {p['reserved']} != active reservations {p['active_reserved']}")
        if p["on_hand"] - p["reserved"] < 0:
            problems.append("available < 0")
        if p["on_hand"] != p["ledger_on_hand"] or p["reserved"] != p["ledger_reserved"]:
            problems.append("stock differs from the movements ledger")
        if problems:
            bad.append({"product_id": str(pid), "problems": problems})
    return bad


def oversold(o: dict, inv: dict) -> list:
    received = {pid: p["received_total"] for pid, p in inv["products"].items()}
    return [
        {"product_id": str(pid), "confirmed_units": units, "received": received.get(pid, 0)}
        for pid, units in o["confirmed_units"].items()
        if units > received.get(pid, 0)
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
